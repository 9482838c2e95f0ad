using Deploy.Kubernetes.Images;
using Deploy.Testing;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Images;

/// <summary>A node that runs dockerd (this machine's, started by scripts/test.sh), reached over SSH (the test sshd on
/// 127.0.0.1): the loader detects dockerd, loads with Deploy.Docker's <c>docker load</c> and checks with
/// <c>docker image inspect</c>.</summary>
[Trait("Category", "Integration")]
public sealed class DockerNodeImageLoaderTests(SshServerFixture ssh, ITestOutputHelper output) : IClassFixture<SshServerFixture>, IDisposable
{
    private readonly TempDirectory temp = new("deploy-docker-node");
    private readonly string tag = $"registry.local/shop/docker-node:{Guid.NewGuid():N}";

    [Fact]
    public async Task A_node_running_dockerd_is_detected_and_gets_the_archive_through_docker_load_over_ssh()
    {
        var archive = await TestImageArchive.WriteAsync(temp.Combine("node.tar"), tag);
        await using var host = ssh.Server.CreateHost();
        var node = new ClusterNode("node-d", host);   // Runtime Auto: `docker version` answers on this node
        LocalDocker.Run("image", "inspect", tag).Should().NotBe(0, "the image is not on the node before the load");

        var loaded = await new NodeImageLoader([node]).LoadAsync([archive], new Progress<string>(output.WriteLine));

        var result = loaded.Should().ContainSingle().Which;
        result.Runtime.Should().Be(NodeRuntime.Docker);
        result.Missing.Should().BeEmpty();
        result.Failures.Should().BeEmpty();
        LocalDocker.Run("image", "inspect", tag).Should().Be(0, "docker load put the image into the node's dockerd");
    }

    public void Dispose()
    {
        LocalDocker.Run("image", "rm", "-f", tag);
        temp.Dispose();
    }
}
