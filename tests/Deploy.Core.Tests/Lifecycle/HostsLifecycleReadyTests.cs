using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>
/// The <c>ready</c> probe ends a start's settle watch on the hosts backend: polled until it passes (then no more),
/// <see cref="DeployErrorCode.NotReady"/> with its last output when it never does, and a process that exits while the
/// probe still fails is reported as exited, not waited for until the probe's timeout. Restarts are watched too.
/// </summary>
[Collection(LifecycleHostsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HostsLifecycleReadyTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Theory]
    [InlineData(1)] // one wave at a time: the placement waits for the watch
    [InlineData(3)] // the dependency graph: the watch runs after the placement returned
    public async Task A_ready_probe_is_polled_until_it_passes_then_no_more_and_the_install_completes(int parallel)
    {
        // The probe counts its attempts on the host and passes from the third on, once web's /health answers.
        var web = "  ready: { command: \"echo try >> {{ base_dir }}/web/probes; [ $(wc -l < {{ base_dir }}/web/probes) -ge 3 ] && sh {{ base_dir }}/web/app/test.sh {{ host.address }} {{ port }}\", timeout: 30s }\n";
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), parallel == 1 ? "lc-ready" : "lc-ready-graph", parallel == 1 ? 18450 : 18460, new Dictionary<string, string> { ["web"] = web });
        var events = new List<LifecycleProgress>();

        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Parallel = parallel }, Log(events));

        result.Release.Outcome.Should().Be(ReleaseOutcome.Succeeded);
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/web/probes")).Should().Be("try\ntry\ntry\n", "the probe ran until it passed, and not once after");
        events.Should().Contain(e => e.Service == "web" && e.Host == "centos" && e.Message.StartsWith("[web@centos] ready after ", StringComparison.Ordinal));
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
    }

    [Fact]
    public async Task The_ready_probe_is_tried_again_after_50_then_100_ms_not_only_after_its_interval()
    {
        // The probe passes from its third attempt. With an interval (20 s) longer than the probe's timeout (10 s), a
        // poll that waited the whole interval after each failure could never reach the third attempt: the install
        // passes only if the waits start short (50 ms, then 100 ms, doubling up to the interval).
        var web = "  ready: { command: \"echo try >> {{ base_dir }}/web/probes; [ $(wc -l < {{ base_dir }}/web/probes) -ge 3 ] && sh {{ base_dir }}/web/app/test.sh {{ host.address }} {{ port }}\", timeout: 10s }\n";
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-ready-waits", 18540, new Dictionary<string, string> { ["web"] = web });
        var engine = new LifecycleEngine(ShopProduct.Backend(Hosts, p.Name, _opened, new HostsBackendOptions { ReadyProbeInterval = TimeSpan.FromSeconds(20) }));

        var result = await engine.RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());

        result.Release.Outcome.Should().Be(ReleaseOutcome.Succeeded);
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/web/probes")).Should().Be("try\ntry\ntry\n");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_ready_probe_that_never_passes_fails_the_install_with_not_ready_and_its_last_output_and_is_rolled_back(int parallel)
    {
        var web = "  ready: { command: \"echo web is still warming up; exit 1\", timeout: 2s }\n";
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), parallel == 1 ? "lc-notready" : "lc-notready-graph", parallel == 1 ? 18470 : 18480, new Dictionary<string, string> { ["web"] = web });

        var input = await p.InputAsync();
        var install = () => Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = parallel }, Log());

        var e = (await install.Should().ThrowAsync<DeployException>()).Which;
        _output.WriteLine(e.ToString());
        e.Code.Should().Be(DeployErrorCode.NotReady);
        e.Service.Should().Be("web");
        e.Host.Should().Be("centos");
        e.Message.Should().Contain("did not become ready").And.Contain("web is still warming up").And.Contain("rolled back");
        (await p.PidsAsync(Host("centos"))).Should().BeEmpty("the rollback removed api and web");
        (await Engine(p).HistoryAsync()).Releases.Single().Outcome.Should().Be(ReleaseOutcome.RolledBack);
    }

    [Fact]
    public async Task A_process_that_exits_while_its_probe_still_fails_is_reported_as_exited_not_as_not_ready()
    {
        // The probe would fail for a minute; the process exits at once: the watch's periodic check reports the exit.
        var web = "  ready: { command: \"echo no answer; exit 1\", timeout: 60s }\n";
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-ready-crash", 18490, new Dictionary<string, string> { ["web"] = web });
        var yaml = Path.Combine(p.Directory, "web", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("command: \"exec python3 ", "command: \"exec sh -c 'echo web cannot start >&2; exit 3' ", StringComparison.Ordinal));

        var input = await p.InputAsync();
        var install = () => Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install), Log());

        var e = (await install.Should().ThrowAsync<DeployException>()).Which;
        _output.WriteLine(e.ToString());
        e.Code.Should().Be(DeployErrorCode.ServiceFailed, "the process exited: that is what the error says, not that a probe timed out");
        e.Service.Should().Be("web");
        e.Message.Should().Contain("exit code 3").And.Contain("web cannot start");
    }

    [Fact]
    public async Task A_restart_whose_process_exits_is_reported_with_its_exit_code()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-restart-crash", 18500);
        var yaml = Path.Combine(p.Directory, "web", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("command: \"exec python3 ", "command: \"test ! -e {{ base_dir }}/web/broken || exit 4; exec python3 ", StringComparison.Ordinal));
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install), Log());
        await Host("centos").RunAsync(CommandSpec.Of("touch", $"{p.BaseDir}/web/broken")).ThrowOnFailure();

        var restart = () => Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Restart) { Services = ["web"] }, Log());

        var e = (await restart.Should().ThrowAsync<DeployException>()).Which;
        _output.WriteLine(e.ToString());
        e.Code.Should().Be(DeployErrorCode.ServiceFailed);
        e.Service.Should().Be("web");
        e.Host.Should().Be("centos");
        e.Message.Should().Contain("exit code 4");
    }
}
