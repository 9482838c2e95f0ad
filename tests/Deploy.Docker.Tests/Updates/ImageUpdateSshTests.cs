using Deploy.Core.Errors;
using Deploy.Docker.Engine;
using Deploy.Docker.Updates;
using Deploy.Testing;

namespace Deploy.Docker.Tests.Updates;

/// <summary>The same update over SSH (a real sshd on 127.0.0.1; the docker CLI runs through it).</summary>
[Trait("Category", "Integration")]
public class ImageUpdateSshTests
{
    [Fact]
    public async Task Over_ssh_a_failing_update_rolls_back_and_a_good_one_is_applied_and_verified()
    {
        await using var server = await SshServer.StartAsync();
        await using var host = server.CreateHost();
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var before = d.Snapshot();
        var info = await new DockerEngine(host).DetectAsync();
        info.ServerVersion.Should().NotBeEmpty();

        // 1. A web image whose entrypoint exits 1: rolled back over SSH.
        var badWeb = $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}";
        images.Import(badWeb, "[\"sh\",\"-c\",\"exit 1\"]");
        var badArchive = images.Save(badWeb, "bad-web.tar.gz");
        var failing = new ImageUpdate(host, Options(d, badArchive));

        var act = () => failing.UpdateAsync();

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.VerificationFailed);
        foreach (var (file, bytes) in before)
        {
            File.ReadAllBytes(Path.Combine(d.Directory, file)).Should().Equal(bytes, $"{file} is restored byte for byte");
        }

        d.Containers(d.RootProject, "console-web").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == d.OldWebId && c.State == "running");

        // 2. Good images for both projects: streamed into docker load over SSH, applied, verified.
        images.Import(badWeb.Replace("4.1.76383", "4.1.76384", StringComparison.Ordinal)); // unrelated tag: must not matter
        var goodWeb = $"encoo/console-web-v4-pvt:4.1.76400-{images.Id}";
        var goodWebId = images.Import(goodWeb);
        var goodVicode = $"encoo/vicode-service:2.4.0-{images.Id}";
        var goodVicodeId = images.Import(goodVicode);
        var webArchive = images.Save(goodWeb, "web.tar.gz");
        var vicodeArchive = images.Save(goodVicode, "vicode.tar");

        var result = await new ImageUpdate(host, Options(d, webArchive, vicodeArchive)).UpdateAsync();

        result.LoadedReferences.Should().BeEquivalentTo(goodWeb, goodVicode);
        d.Containers(d.RootProject, "console-web").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == goodWebId && c.State == "running");
        d.Containers(d.VicodeProject, "vicode-service").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == goodVicodeId && c.State == "running");
        d.Read(".systemconfig").Should().Contain($"CONSOLE_WEB_V4_PVT_VERSION=4.1.76400-{images.Id}");
        d.Read("vicode/.systemconfig").Should().Contain($"VICODE_SERVICE_TAG=2.4.0-{images.Id}");
    }

    private static ImageUpdateOptions Options(ConsoleDeployment d, params string[] archives) => new()
    {
        Directory = d.Directory,
        Archives = archives,
        SettleTime = TimeSpan.FromSeconds(2),
        VerifyTimeout = TimeSpan.FromSeconds(60),
        PollInterval = TimeSpan.FromMilliseconds(300),
    };
}
