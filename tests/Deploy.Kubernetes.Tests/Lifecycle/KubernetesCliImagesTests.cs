using Deploy.Kubernetes.Tests.Images;
using Deploy.Testing;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>`deploy install --kubeconfig K --nodes INV` (child process against the fake): the dry run lists the
/// images each node would get; the install loads them onto the node (this machine's dockerd, reached over the test
/// sshd on 127.0.0.1) before it applies.</summary>
[Trait("Category", "Integration")]
public sealed class KubernetesCliImagesTests(SshServerFixture ssh, ITestOutputHelper output)
    : ClusterTest(("node-1", "4", "8Gi")), IClassFixture<SshServerFixture>
{
    private readonly string tag = $"registry.local/shop/cli-node:{Guid.NewGuid():N}";

    [Fact]
    public async Task Install_with_nodes_dry_run_lists_the_images_per_node_and_the_install_loads_them_onto_the_node_before_applying()
    {
        await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var product = Path.Combine(Cluster.Temp.Path, "1.0.0");
        Directory.CreateDirectory(Path.Combine(product, "images"));
        await TestImageArchive.WriteAsync(Path.Combine(product, "images", "api.tar"), tag);
        var server = ssh.Server;
        var nodes = Cluster.Temp.Combine("nodes.yaml");
        await File.WriteAllTextAsync(nodes, $$"""
            hosts:
              node-1:
                address: {{server.Address}}
                port: {{server.Port}}
                user: {{server.User}}
                identity_file: {{server.IdentityFile}}
                known_hosts_file: {{server.KnownHostsFile}}
                vars: { container_runtime: docker }
            """);

        try
        {
            var dry = await RunAsync("install", "-f", product, "--kubeconfig", Cluster.KubeconfigPath, "--nodes", nodes, "--dry-run");
            dry.ExitCode.Should().Be(0, dry.Output);
            dry.Output.Should().Contain($"images: would load {tag} (api.tar) onto node node-1 (docker)");
            LocalDocker.Run("image", "inspect", tag).Should().NotBe(0, "a dry run loads nothing");

            var install = await RunAsync("install", "-f", product, "--kubeconfig", Cluster.KubeconfigPath, "--nodes", nodes);

            install.ExitCode.Should().Be(0, install.Output);
            LocalDocker.Run("image", "inspect", tag).Should().Be(0, "the node's dockerd has the package's image");
            install.Output.Should().Contain("[images] node node-1: loaded api.tar");
            install.Output.IndexOf("[images] node node-1: loaded api.tar", StringComparison.Ordinal)
                .Should().BeLessThan(install.Output.IndexOf("] apply ", StringComparison.Ordinal), "images are loaded before any object is applied");
        }
        finally
        {
            LocalDocker.Run("image", "rm", "-f", tag);
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var (exit, text, _) = await ClusterTools.DeployAsync(Cluster, args);
        output.WriteLine(text);
        return (exit, text);
    }
}
