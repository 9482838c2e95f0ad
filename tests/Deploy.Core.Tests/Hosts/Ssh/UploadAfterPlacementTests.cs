using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// The SSH hosts' upload with an after-placement step (<see cref="IUploadWithAfterPlacement"/>, how a sequence apply
/// commits its state in the transfer's own command): the step runs in the same remote command once every file is
/// placed, and its failure fails the upload.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UploadAfterPlacementTests(SshServerFixture fixture) : IClassFixture<SshServerFixture>
{
    // Records, for each argument, whether the file is there with its content when the step runs.
    private static readonly HostScript Probe = HostScript.Parse("probe.sh", "#!/bin/sh\n# $1 path: where to write the record; $2...: paths that must exist\nout=$1; shift\nfor p; do if [ -f \"$p\" ]; then echo \"placed $p\"; else echo \"missing $p\"; fi; done > \"$out\"\n");

    private static readonly HostScript Fails = HostScript.Parse("fails.sh", "#!/bin/sh\n# $1: the exit status\nexit \"$1\"\n");

    [Theory]
    [InlineData("auto")]
    [InlineData("sh")]
    [InlineData("managed")]
    public async Task The_after_placement_step_runs_in_the_upload_once_every_file_is_placed(string transport)
    {
        using var dir = new TempDirectory("up-after");
        await using var host = Create(transport);
        var files = Enumerable.Range(0, 5).Select(i =>
        {
            var local = dir.Combine("f" + i);
            File.WriteAllText(local, "content " + i);
            return new FileUpload(local, dir.Combine($"remote/new dir/f{i}"));
        }).ToList();

        var summary = await ((IUploadWithAfterPlacement)host).UploadThenAsync(files, null, new AfterPlacement(Probe, [dir.Combine("record"), .. files.Select(f => f.TargetPath)]), null, CancellationToken.None);

        summary.Files.Should().Be(5);
        File.ReadAllLines(dir.Combine("record")).Should().Equal(files.Select(f => "placed " + f.TargetPath));
        File.ReadAllText(dir.Combine("remote/new dir/f4")).Should().Be("content 4");
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("managed")]
    public async Task A_failing_after_placement_step_fails_the_upload_with_its_exit_status_after_the_files_were_placed(string transport)
    {
        using var dir = new TempDirectory("up-after-fail");
        await using var host = Create(transport);
        File.WriteAllText(dir.Combine("a"), "a");

        var act = () => ((IUploadWithAfterPlacement)host).UploadThenAsync([new FileUpload(dir.Combine("a"), dir.Combine("remote/a"))], null, new AfterPlacement(Fails, ["7"]), null, CancellationToken.None);

        (await act.Should().ThrowAsync<DeployException>()).Which.ExitCode.Should().Be(7);
        File.ReadAllText(dir.Combine("remote/a")).Should().Be("a", "the step runs after placement");
    }

    private IAsyncDisposable Create(string transport)
    {
        if (transport == "managed")
        {
            return new ManagedSshHost(fixture.Server.HostOptions() with { Transport = SshTransport.Managed });
        }

        var host = fixture.Server.CreateHost();
        host.ForcePlacer(transport);
        return host;
    }
}
