using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary><c>schedule apply</c> on the three isolated hosts: a service moves (install on the new host, test there,
/// then remove from the old one), an interrupted move resumes, and a move whose test fails leaves the service where it was.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleScheduleTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    private static Schedule WebOn(ShopProduct p, string host) => p.Schedule with
    {
        Services = p.Schedule.Services.Select(s => s.Service == "web" ? s with { Hosts = [host] } : s).ToList(),
    };

    [Fact]
    public async Task Schedule_apply_moves_a_service_tests_it_on_the_new_host_removes_it_from_the_old_and_resumes_after_an_interruption()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-sched", 18330);
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log());
        var apiPids = (await p.PidsAsync(Host("centos")))["api"];
        var moved = input with { Schedule = WebOn(p, "bclinux") };
        var request = new LifecycleRequest(LifecycleOperation.Schedule);

        // The dry run shows the move and nothing else.
        var plan = await Engine(p).PlanAsync(moved, request);
        _output.WriteLine(plan.ToText());
        plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => $"{s.Action} {s.Key}"))).Should().Equal("Install web@bclinux", "Verify web@bclinux#verify", "Remove web@centos");
        plan.Steps[0].Reason.Should().Be("placed here by the schedule (from centos to bclinux)");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");

        // Interrupted when the test on the new host starts: web is placed on bclinux, still on centos.
        using var cancel = new CancellationTokenSource();
        var first = new SyncProgress<LifecycleProgress>(e =>
        {
            _output.WriteLine($"run 1 {e.Kind}: {e.Message}");
            if (e.Kind == LifecycleEventKind.StepStarted && e.Message.Contains("verify", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        });
        var interrupted = () => Engine(p).RunAsync(moved, request, first, cancel.Token);
        (await interrupted.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        (await p.PidsAsync(Host("bclinux"))).Keys.Should().BeEquivalentTo("api", "web");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
        var webOnNew = (await p.PidsAsync(Host("bclinux")))["web"];

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(moved, request, Log(events));
        result.Resumed.Should().BeTrue();
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Message.StartsWith("[web@bclinux] install", StringComparison.Ordinal), "the completed install is not run again");
        events.Should().Contain(e => e.Kind == LifecycleEventKind.TestPassed && e.Host == "bclinux" && e.Service == "web");
        (await p.PidsAsync(Host("bclinux")))["web"].Should().Be(webOnNew);
        (await p.PidsAsync(Host("centos"))).Keys.Should().Equal("api");
        (await p.PidsAsync(Host("centos")))["api"].Should().Be(apiPids, "api was not touched");
        result.Release.Should().Match<ReleaseRecord>(r => r.Number == 2 && r.Operation == LifecycleOperation.Schedule);
        var web = (await Engine(p).HistoryAsync()).Current!.Services.Single(s => s.Name == "web");
        web.Hosts.Should().Equal("bclinux");
        web.Configs.Select(c => c.Host).Should().Equal("bclinux");
        (await Engine(p).PlanAsync(moved, request)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_move_whose_test_fails_on_the_new_host_is_rolled_back_and_the_service_stays_where_it_was()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-sched-bad", 18340);
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Services = ["db", "api", "web"], Parallel = 2 }, Log());
        var web = (await p.PidsAsync(Host("centos")))["web"];
        await Host("bclinux").RunAsync(CommandSpec.Of("mkdir", "-p", $"{p.BaseDir}/web")).ThrowOnFailure();
        await Host("bclinux").RunAsync(CommandSpec.Of("touch", $"{p.BaseDir}/web/broken")).ThrowOnFailure();

        var move = () => Engine(p).RunAsync(input with { Schedule = WebOn(p, "bclinux") }, new LifecycleRequest(LifecycleOperation.Schedule), Log());
        var e = (await move.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.VerificationFailed);
        e.Service.Should().Be("web");
        e.Host.Should().Be("bclinux");

        (await p.PidsAsync(Host("bclinux"))).Keys.Should().Equal("api");
        (await p.PidsAsync(Host("centos")))["web"].Should().Be(web, "the old copy was never touched");
        var history = await Engine(p).HistoryAsync();
        history.Releases.Select(r => (r.Number, r.Outcome)).Should().Equal((1, ReleaseOutcome.Succeeded), (2, ReleaseOutcome.RolledBack));
        history.Current!.Services.Single(s => s.Name == "web").Hosts.Should().Equal("centos");

        // A package that differs from the installed one is refused: schedule apply moves services as they are.
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "web", "service.yaml"), (await File.ReadAllTextAsync(Path.Combine(p.Directory, "web", "service.yaml"))).Replace("version: 1.0.0", "version: 1.1.0", StringComparison.Ordinal));
        var other = () => Engine(p).PlanAsync(p.InputAsync().Result with { Schedule = WebOn(p, "debian") }, new LifecycleRequest(LifecycleOperation.Schedule));
        (await other.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(x => x.Code == DeployErrorCode.InvalidArgument && x.Service == "web");
    }
    [Fact]
    public async Task Moving_a_service_re_renders_and_restarts_the_services_whose_configs_name_its_host_keeping_user_edits()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-follow", 18420);
        var template = Path.Combine(p.Directory, "api", "templates", "app.conf");
        await File.AppendAllTextAsync(template, "db_host={{ placement.db[0].address }}\n");
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log());
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        (await ReadAsync(centos, conf)).Should().Contain($"db_host={Hosts["debian"].Address}\n");
        await centos.RunAsync(CommandSpec.Of("sed", "-i", "1a custom=kept-by-user", conf)).ThrowOnFailure();
        var before = await p.PidsAsync(centos);
        var moved = input with { Schedule = p.Schedule with { Services = p.Schedule.Services.Select(s => s.Service == "db" ? s with { Hosts = ["bclinux"] } : s).ToList() } };

        var result = await Engine(p).RunAsync(moved, new LifecycleRequest(LifecycleOperation.Schedule), Log());

        result.Plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => $"{s.Action} {s.Key}"))).Should().Equal(
            "Install db@bclinux", "Verify db@bclinux#verify", "Configure api@bclinux,Configure api@centos", "Remove db@debian");
        result.Plan.Steps.Single(s => s.Key == "api@centos").Reason.Should().Be($"{conf} follows the move of db: re-rendered (three-way merge with edits on the target), then restarted");
        foreach (var name in new[] { "centos", "bclinux" })
        {
            (await ReadAsync(Host(name), conf)).Should().Contain($"db_host={Hosts["bclinux"].Address}\n", "api on {0} now names db's new host", name);
        }

        (await ReadAsync(centos, conf)).Should().Contain("custom=kept-by-user\n", "the three-way merge keeps the edit on the target");
        var after = await p.PidsAsync(centos);
        after["api"].Should().NotBe(before["api"], "api was restarted to read its new config");
        after["web"].Should().Be(before["web"], "web's config does not name db's host");
        (await p.PidsAsync(Host("debian"))).Should().BeEmpty();
        (await p.PidsAsync(Host("bclinux"))).Keys.Should().BeEquivalentTo("api", "db");
        var api = (await Engine(p).HistoryAsync()).Current!.Services.Single(s => s.Name == "api");
        api.Configs.Should().OnlyContain(c => c.Content.Contains($"db_host={Hosts["bclinux"].Address}\n"), "the release records the new render: the base of the next merge");
        (await Engine(p).PlanAsync(moved, new LifecycleRequest(LifecycleOperation.Schedule))).IsEmpty.Should().BeTrue();
    }
}
