using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// Push mode on three isolated hosts (sshd in their own mount and PID namespaces, private <c>/opt</c>): the server
/// fetches and verifies from a real HTTP feed and drives the same update flow on each host over SSH; each host's
/// agent is a real process bound to the host's own address and health-checked over HTTP.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AgentPushTests : IClassFixture<IsolatedHostsFixture>
{
    private readonly IsolatedHostsFixture _fixture;

    public AgentPushTests(IsolatedHostsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Report(output);
    }

    [Fact]
    public async Task Push_installs_v1_on_every_host_then_upgrades_them_to_v2_and_status_reads_each_hosts_version_back()
    {
        _fixture.Hosts.RequireIsolation();
        await using var box = await AgentSandbox.StartAsync();
        var app = "/opt/agent-" + Guid.NewGuid().ToString("N")[..8];
        await using var fleet = await PreparedFleetAsync(box, app);
        try
        {
            await box.PublishAsync("1.0.0");
            var first = await AgentPush.PushAsync(fleet, Push(box, app, "1.0.0"));
            var indexReadsByFirstPush = box.Server.Requests["index.json"];
            var v2 = (await box.PublishAsync("2.0.0", minimumFrom: "1.0.0")).Find("2.0.0", "stable")!;
            var progress = new ListProgress();
            var delta = v2.Deltas!.Single();
            box.Server.FailNext("index.json", 2);
            box.Server.FailNext(delta.File, 1);
            var second = await AgentPush.PushAsync(fleet, Push(box, app, "2.0.0"), progress);

            first.AllSucceeded.Should().BeTrue(first.Failed.FirstOrDefault()?.Error?.ToString());
            second.AllSucceeded.Should().BeTrue(second.Failed.FirstOrDefault()?.Error?.ToString());
            second.BatchCount.Should().Be(2, "cohorts 1, 10%, 50%, 100% of 3 hosts are 1 host, then the other 2");
            progress.Events.Where(e => e.Kind == FleetProgressKind.BatchStarted).Select(e => e.BatchSize).Should().Equal(1, 2);
            box.Server.BytesSent[delta.File].Should().Be(delta.Size, "the push downloads each package (here the delta from 1.0.0, which every host runs) once for all its hosts");
            box.Server.Requests.Should().NotContainKey(v2.File, "every host was assembled from the delta");
            second.Hosts.Should().OnlyContain(h => h.Value!.DeltaFrom == "1.0.0");
            indexReadsByFirstPush.Should().Be(1, "a push reads the index once for all its hosts");
            box.Server.Requests["index.json"].Should().Be(1 + 3, "the second push's index read was reset twice and retried");
            box.Server.Requests[delta.File].Should().Be(2, "the delta's download was reset once, retried, and then served every host");
            second.Hosts.Should().OnlyContain(h => h.Value!.Outcome.Kind == AgentOutcomeKind.Updated && h.Value.FromVersion == "1.0.0" && h.Value.Version == "2.0.0");
            foreach (var target in fleet.Targets)
            {
                (await ReadAsync(target.Host, app + "/current/version.txt")).Should().Be("2.0.0\n", $"{target.Name} runs the new release");
                (await ReadAsync(target.Host, app + "/restarted-with")).Should().Be("2.0.0\n", $"{target.Name}'s agent was restarted from it");
                (await ReadAsync(target.Host, app + "/current/hook-ran")).Should().Be("installed 2.0.0\n");
                using var http = new HttpClient();
                (await http.GetStringAsync(new Uri($"http://{target.InventoryHost!.Address}:{box.Port}/health"))).Should().Be("ok 2.0.0\n");
            }

            var status = await AgentPush.StatusAsync(fleet, app);
            status.Hosts.Select(h => (h.Name, h.Value!.CurrentVersion, h.Value.LastOutcome!.Kind))
                .Should().Equal(fleet.Targets.Select(t => (t.Name, (string?)"2.0.0", AgentOutcomeKind.Updated)));
        }
        finally
        {
            await StopAgentsAsync(fleet, app);
        }
    }

    [Fact]
    public async Task A_staged_push_halts_at_its_failure_budget_and_leaves_the_remaining_hosts_untouched()
    {
        _fixture.Hosts.RequireIsolation();
        await using var box = await AgentSandbox.StartAsync();
        var app = "/opt/agent-" + Guid.NewGuid().ToString("N")[..8];
        await using var fleet = await PreparedFleetAsync(box, app);
        try
        {
            await box.PublishAsync("1.0.0");
            (await AgentPush.PushAsync(fleet, Push(box, app, "1.0.0"))).ThrowOnFailure();
            var last = fleet.Targets[2];
            var lastState = await ReadAsync(last.Host, app + "/.deploy/agent-state.json");
            var lastPid = await ReadAsync(last.Host, app + "/agent.pid");
            var lastCurrent = (await last.Host.StatAsync(app + "/current"))!.LinkTarget;
            await box.PublishAsync("2.0.0", healthy: false);

            var result = await AgentPush.PushAsync(fleet, Push(box, app, "2.0.0", TimeSpan.FromSeconds(3)) with
            {
                Cohorts = [FleetBatchSize.Count(1), FleetBatchSize.Count(2), FleetBatchSize.Percent(100)],
                MaxFailures = 1,
            });

            result.Aborted.Should().BeTrue();
            result.AbortReason.Should().Contain("more than the failure budget of 1");
            result.Failed.Select(h => h.Name).Should().Equal(fleet.Targets[0].Name, fleet.Targets[1].Name);
            result.Failed.Should().OnlyContain(h => ((DeployException)h.Error!).Code == DeployErrorCode.HealthCheckFailed);
            result.NotRun.Select(h => h.Name).Should().Equal(last.Name);
            foreach (var target in fleet.Targets.Take(2))
            {
                (await ReadAsync(target.Host, app + "/current/version.txt")).Should().Be("1.0.0\n", $"{target.Name} was rolled back");
                (await ReadAsync(target.Host, app + "/restarted-with")).Should().Be("1.0.0\n");
                var state = await new AgentStateStore(target.Host, app).ReadAsync();
                state.LastOutcome!.Kind.Should().Be(AgentOutcomeKind.RolledBack);
                state.BadVersions.Select(b => b.Version).Should().Equal("2.0.0");
            }

            (await ReadAsync(last.Host, app + "/.deploy/agent-state.json")).Should().Be(lastState, "the host beyond the budget was not touched");
            (await ReadAsync(last.Host, app + "/agent.pid")).Should().Be(lastPid, "its agent was not restarted");
            (await last.Host.StatAsync(app + "/current"))!.LinkTarget.Should().Be(lastCurrent);
            (await last.Host.ListTreeAsync(app + "/releases")).Where(f => f.Kind == FileKind.Directory && f.Path.Count(c => c == '/') == 0).Should().HaveCount(1);
            var status = await AgentPush.StatusAsync(fleet, app);
            status.Hosts.Select(h => h.Value!.CurrentVersion).Should().Equal("1.0.0", "1.0.0", "1.0.0");
        }
        finally
        {
            await StopAgentsAsync(fleet, app);
        }
    }

    [Fact]
    public async Task A_full_disk_during_the_install_fails_with_NoSpaceLeft_naming_host_and_path_removes_the_new_release_and_keeps_the_old_version_running()
    {
        _fixture.Hosts.RequireIsolation();
        await using var box = await AgentSandbox.StartAsync();
        var app = "/opt/agent-" + Guid.NewGuid().ToString("N")[..8];
        var spec = _fixture.Hosts.Hosts[0];
        await using var host = spec.CreateHost();
        await host.CreateDirectoryAsync(app);
        // The app's file system is a 1 MiB tmpfs inside the host's own mount namespace: the install really hits ENOSPC.
        (await host.RunScriptAsync("""mount -t tmpfs -o size=1m tmpfs "$1" """, [app])).ThrowOnFailure();
        try
        {
            await WriteAsync(host, app + "/address", spec.Address);
            await WriteAsync(host, app + "/port", box.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var options = box.RemoteOptions(app) with { HealthCheck = AgentHealthCheck.Http(new Uri($"http://{spec.Address}:{box.Port}/health"), TimeSpan.FromSeconds(20)) with { Interval = TimeSpan.FromMilliseconds(100) } };
            await box.PublishAsync("1.0.0");
            await using (var first = new AgentUpdater(options, host))
            {
                (await first.RunOnceAsync()).Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
            }

            var v1Release = (await host.StatAsync(app + "/current"))!.LinkTarget;
            var v1Pid = await ReadAsync(host, app + "/agent.pid");
            await box.Publisher().PublishAsync(await box.PackageAsync("2.0.0", blobBytes: 2 << 20), "2.0.0");

            foreach (var useDeltas in new[] { false, true })
            {
                await using var updater = new AgentUpdater(options with { UseDeltas = useDeltas }, host);
                var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

                e.Code.Should().Be(DeployErrorCode.NoSpaceLeft, $"{e}");
                e.Host.Should().Be(host.Name);
                e.Path.Should().StartWith(app);
                (await host.StatAsync(app + "/current"))!.LinkTarget.Should().Be(v1Release, "current was never switched");
                (await host.ListTreeAsync(app + "/releases")).Where(f => !f.Path.Contains('/', StringComparison.Ordinal)).Select(f => f.Path)
                    .Should().Equal([v1Release!["releases/".Length..]], "the new release (staging, assembly folder) was removed; only the old one is left");
                (await ReadAsync(host, app + "/agent.pid")).Should().Be(v1Pid, "the old agent was not restarted");
                (await host.RunScriptAsync("""kill -0 "$(cat "$1/agent.pid")" """, [app])).Succeeded.Should().BeTrue("the old agent keeps running");
                using var http = new HttpClient();
                (await http.GetStringAsync(new Uri($"http://{spec.Address}:{box.Port}/health"))).Should().Be("ok 1.0.0\n");
                var state = await updater.State.ReadAsync();
                state.CurrentVersion.Should().Be("1.0.0");
                state.Pending.Should().BeNull();
                state.BadVersions.Should().BeEmpty("a full disk is not the version's fault");
                state.LastOutcome!.Message.Should().Contain("NoSpaceLeft");
            }

            (await host.RunScriptAsync("""mount -o remount,size=16m "$1" """, [app])).ThrowOnFailure();
            await using var retry = new AgentUpdater(options, host);
            (await retry.RunOnceAsync()).Version.Should().Be("2.0.0", "once space is freed the next run installs the version");
            (await ReadAsync(host, app + "/current/version.txt")).Should().Be("2.0.0\n");
        }
        finally
        {
            await host.RunScriptAsync("""[ -f "$1/agent.pid" ] && kill "$(cat "$1/agent.pid")" 2>/dev/null; umount "$1"; rm -rf "$1"; true""", [app]);
        }
    }

    private static AgentPushOptions Push(AgentSandbox box, string app, string version, TimeSpan? window = null) => new()
    {
        Update = box.RemoteOptions(app, window),
        Version = version,
        HealthUrl = "http://{address}:" + box.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/health",
    };

    /// <summary>A fleet of the three hosts; each gets its app folder with the agent's bind address and port (the
    /// host's configuration, as a customer's would be).</summary>
    private async Task<HostFleet> PreparedFleetAsync(AgentSandbox box, string app)
    {
        var fleet = new HostFleet(_fixture.Hosts.Hosts.Select(h => new FleetTarget(h.Name, h.CreateHost()) { InventoryHost = h.ToInventoryHost() }), ownsHosts: true);
        foreach (var target in fleet.Targets)
        {
            await target.Host.CreateDirectoryAsync(app);
            await WriteAsync(target.Host, app + "/address", target.InventoryHost!.Address);
            await WriteAsync(target.Host, app + "/port", box.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return fleet;
    }

    private static async Task StopAgentsAsync(HostFleet fleet, string app)
    {
        foreach (var target in fleet.Targets)
        {
            await target.Host.RunScriptAsync("""[ -f "$1/agent.pid" ] && kill "$(cat "$1/agent.pid")" 2>/dev/null; rm -rf "$1"; true""", [app]);
        }
    }

    private static async Task WriteAsync(IHost host, string path, string text)
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await host.WriteFileAsync(path, ms);
    }

    private static async Task<string> ReadAsync(IHost host, string path)
    {
        await using var stream = await host.OpenReadAsync(path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private sealed class ListProgress : IProgress<FleetProgress>
    {
        public List<FleetProgress> Events { get; } = [];

        public void Report(FleetProgress value)
        {
            lock (Events)
            {
                Events.Add(value);
            }
        }
    }
}
