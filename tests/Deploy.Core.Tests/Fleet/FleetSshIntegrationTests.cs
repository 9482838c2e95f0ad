using System.Globalization;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Testing;

namespace Deploy.Core.Tests.Fleet;

/// <summary>Five real sshd instances on 127.0.0.1 and an inventory file that points at them.</summary>
public sealed class FiveSshServersFixture : IAsyncLifetime
{
    public IReadOnlyList<SshServer> Servers { get; private set; } = [];

    public TempDirectory Dir { get; } = new("fleet-ssh");

    public string InventoryPath => Dir.Combine("inventory.yaml");

    /// <summary>Each node's own application directory (the five sshd share this machine's file system).</summary>
    public string AppDir(int node) => Dir.Combine($"node-{node}", "app");

    public async Task InitializeAsync()
    {
        Servers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SshServer.StartAsync()));
        var yaml = new StringBuilder("""
            vars: { release: "2.0" }
            defaults:
              ssh_config: /dev/null
              connect_timeout: 10
            hosts:

            """);
        for (var i = 0; i < Servers.Count; i++)
        {
            var s = Servers[i];
            Directory.CreateDirectory(AppDir(i + 1));
            yaml.Append(CultureInfo.InvariantCulture, $"""
                  node-{i + 1}:
                    address: {s.Address}
                    port: {s.Port}
                    user: {s.User}
                    identity_file: {s.IdentityFile}
                    known_hosts_file: {s.KnownHostsFile}
                    labels: {"{"} zone: {(i % 2 == 0 ? "a" : "b")} {"}"}
                    vars: {"{"} app_dir: "{AppDir(i + 1)}" {"}"}

                """);
        }

        yaml.Append("""
            groups:
              app: { hosts: [node-1, node-2, node-3, node-4, node-5] }
            """);
        await File.WriteAllTextAsync(InventoryPath, yaml.ToString());
    }

    public async Task DisposeAsync()
    {
        foreach (var s in Servers)
        {
            await s.DisposeAsync();
        }

        Dir.Dispose();
    }
}

[Trait("Category", "Integration")]
public sealed class FleetSshIntegrationTests : IClassFixture<FiveSshServersFixture>
{
    private readonly FiveSshServersFixture _f;

    public FleetSshIntegrationTests(FiveSshServersFixture fixture) => _f = fixture;

    private async Task<HostFleet> FleetAsync(FleetOptions? options = null)
    {
        var inventory = await HostInventory.LoadAsync(_f.InventoryPath);
        return HostFleet.FromInventory(inventory, "app", new InventoryHostFactory(), options);
    }

    [Fact]
    public async Task A_command_fans_out_to_five_sshd_hosts_and_each_answers_from_its_own_server()
    {
        await using var fleet = await FleetAsync(new FleetOptions { MaxParallelism = 5 });
        var result = await fleet.RunCommandAsync(CommandSpec.Of("sh", "-c", "echo \"$SSH_CONNECTION\" | cut -d' ' -f4; echo \"$1\"", "sh", "参数 $(no) `x`"));

        result.ThrowOnFailure();
        result.Hosts.Select(h => h.Name).Should().Equal("node-1", "node-2", "node-3", "node-4", "node-5");
        for (var i = 0; i < 5; i++)
        {
            result.Hosts[i].Value!.StandardOutput.Should().Be($"{_f.Servers[i].Port}\n参数 $(no) `x`\n");
        }
    }

    [Fact]
    public async Task A_file_upload_reaches_every_host_in_its_own_app_dir()
    {
        using var source = new TempDirectory("fleet-ssh-src");
        var payload = source.WriteFile("bin/service 服务.sh", "#!/bin/sh\necho up\n");
        File.SetUnixFileMode(payload, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await using var fleet = await FleetAsync();

        var result = await fleet.RunAsync((host, ctx, ct) =>
            host.UploadAsync([new FileUpload(payload, ctx.Vars["app_dir"] + "/upload/bin/service 服务.sh")], null, ct));

        result.ThrowOnFailure();
        for (var i = 1; i <= 5; i++)
        {
            var placed = Path.Combine(_f.AppDir(i), "upload", "bin", "service 服务.sh");
            File.ReadAllText(placed).Should().Be("#!/bin/sh\necho up\n");
            File.GetUnixFileMode(placed).Should().HaveFlag(UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_rolling_update_stops_when_a_host_fails_and_leaves_later_batches_untouched()
    {
        for (var i = 1; i <= 5; i++)
        {
            Directory.CreateDirectory(Path.Combine(_f.AppDir(i), "rolling"));
            File.WriteAllText(Path.Combine(_f.AppDir(i), "rolling", "VERSION"), "1.0");
        }

        // node-3 has a broken disk: its update step fails.
        File.WriteAllText(Path.Combine(_f.AppDir(3), "rolling", "BROKEN"), "");
        var options = new FleetOptions { MaxFailurePercentage = 0 }.WithBatches("1", "2");
        var progress = new RecordingProgress();
        await using var fleet = await FleetAsync(options);

        var result = await fleet.RunAsync((host, ctx, ct) =>
            host.RunScriptAsync("""
                set -e
                cd "$1/rolling"
                if [ -e BROKEN ]; then echo "disk error" >&2; exit 7; fi
                printf %s "$2" > VERSION.new && mv VERSION.new VERSION
                """, [ctx.Vars["app_dir"], ctx.Vars["release"]], cancellationToken: ct).ThrowOnFailure(), progress);

        result.Hosts.Select(h => (h.Name, h.Batch, h.Status)).Should().Equal(
            ("node-1", 0, FleetHostStatus.Succeeded),
            ("node-2", 1, FleetHostStatus.Succeeded),
            ("node-3", 1, FleetHostStatus.Failed),
            ("node-4", 2, FleetHostStatus.NotRun),
            ("node-5", 2, FleetHostStatus.NotRun));
        var error = result["node-3"].Error.Should().BeOfType<DeployException>().Which;
        error.ExitCode.Should().Be(7);
        error.Message.Should().Contain("disk error");
        Enumerable.Range(1, 5).Select(i => File.ReadAllText(Path.Combine(_f.AppDir(i), "rolling", "VERSION")))
            .Should().Equal("2.0", "2.0", "1.0", "1.0", "1.0");
        progress.Events.Should().Contain(p => p.Kind == FleetProgressKind.RolloutAborted);

        var act = () => result.ThrowOnFailure();
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.RolloutAborted);
    }

    [Fact]
    public async Task Fail_fast_over_ssh_cancels_the_commands_still_running_on_other_hosts()
    {
        var marker = "fleet-ff-" + Guid.NewGuid().ToString("N")[..12];
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using var fleet = await FleetAsync(new FleetOptions { MaxParallelism = 5, FailureMode = FleetFailureMode.FailFast });

        var result = await fleet.RunAsync((host, ctx, ct) => host.RunAsync(
            ctx.Name == "node-2" ? CommandSpec.Of("sh", "-c", "sleep 1; exit 5") : CommandSpec.Of("sh", "-c", "sleep 60", marker), ct).ThrowOnFailure());

        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
        result["node-2"].Status.Should().Be(FleetHostStatus.Failed);
        result.Cancelled.Select(h => h.Name).Should().Equal("node-1", "node-3", "node-4", "node-5");
        result.Aborted.Should().BeTrue();

        // The remote commands are gone too, not just abandoned by the client.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string left;
        do
        {
            var ps = await new LocalHost().RunAsync(CommandSpec.Of("ps", "-eo", "args"));
            left = string.Join("\n", ps.StandardOutput.Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal) && !l.Contains("ps -eo", StringComparison.Ordinal)));
            if (left.Length == 0)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        left.Should().BeEmpty();
    }
}
