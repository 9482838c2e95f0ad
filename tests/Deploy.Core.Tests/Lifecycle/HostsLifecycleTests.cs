using System.Xml.Linq;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Deploy.Testing.Kill;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>The lifecycle engine on the hosts backend, on three isolated hosts (centos, bclinux, debian) with real processes.</summary>
[Trait("Category", "Integration")]
public sealed class HostsLifecycleTests : IClassFixture<IsolatedHostsFixture>, IAsyncLifetime
{
    private readonly IsolatedHostsFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _temp = new();
    private readonly List<IHost> _opened = [];

    public HostsLifecycleTests(IsolatedHostsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Report(output);
    }

    private IsolatedHosts Hosts => _fixture.Hosts;

    private IHost Host(string name)
    {
        var h = Hosts[name].CreateHost();
        _opened.Add(h);
        return h;
    }

    private LifecycleEngine Engine(ShopProduct p) => new(ShopProduct.Backend(Hosts, p.Name, _opened));

    private IProgress<LifecycleProgress> Log(List<LifecycleProgress>? events = null) => new SyncProgress<LifecycleProgress>(e =>
    {
        lock (_output)
        {
            events?.Add(e);
            _output.WriteLine($"{e.Kind}: {e.Message}");
        }
    });

    private static async Task<string> ReadAsync(IHost host, string path)
    {
        var r = await host.RunAsync(CommandSpec.Of("cat", path));
        return r.ThrowOnFailure().StandardOutput;
    }

    [Fact]
    public async Task Install_all_runs_every_service_on_its_hosts_in_waves_and_records_release_1_on_every_host()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-all", 18110);
        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log(events));

        result.Release.Number.Should().Be(1);
        result.Release.Outcome.Should().Be(ReleaseOutcome.Succeeded);
        result.Plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => s.Key))).Should().Equal("db@debian", "api@bclinux,api@centos", "web@centos");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
        (await p.PidsAsync(Host("bclinux"))).Keys.Should().BeEquivalentTo("api");
        (await p.PidsAsync(Host("debian"))).Keys.Should().BeEquivalentTo("db");
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/web/installed")).Should().Be("installed\n", "the install hook ran");
        events.Should().Contain(e => e.Kind == LifecycleEventKind.StepCompleted && e.Message.StartsWith("[api@bclinux]", StringComparison.Ordinal));

        // Read back from fresh connections (another machine): every host holds the record; status is release 1.
        var history = await Engine(p).HistoryAsync();
        history.Current!.Number.Should().Be(1);
        history.Holders[1].Should().BeEquivalentTo("bclinux", "centos", "debian");
        history.Current.Services.Single(s => s.Name == "api").Hosts.Should().Equal("bclinux", "centos");
        history.Current.Services.Single(s => s.Name == "api").Configs.Should().HaveCount(2);

        // The secret is generated once and stored on the targets: both api hosts rendered the same token.
        var tokens = new[] { "centos", "bclinux" }.Select(async h => (await ReadAsync(Host(h), $"{p.BaseDir}/api/app.conf")).Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal)));
        (await Task.WhenAll(tokens)).Distinct().Should().ContainSingle().Which.Length.Should().BeGreaterThan(10);
        var token = history.Current.Services[0].Configs[0].Content.Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal)).Substring(6);
        events.Should().NotContain(e => e.Message.Contains(token, StringComparison.Ordinal), "secrets never reach progress");

        var again = await Engine(p).PlanAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install));
        again.IsEmpty.Should().BeTrue(again.ToText());
    }

    [Fact]
    public async Task Install_of_two_services_installs_them_and_leaves_the_third_absent()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-two", 18120);
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Services = ["db", "api"] }, Log());

        result.Plan.Steps.Select(s => s.Service).Distinct().Should().BeEquivalentTo("db", "api");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api");
        (await Host("centos").StatAsync($"{p.BaseDir}/web")).Should().BeNull();
        result.Release.Services.Select(s => s.Name).Should().BeEquivalentTo("db", "api");
    }

    [Fact]
    public async Task Apptest_passes_on_healthy_services_fails_on_a_broken_one_and_writes_junit()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-test", 18130);
        var engine = Engine(p);
        var input = await p.InputAsync();
        await engine.RunAsync(input, new LifecycleRequest(LifecycleOperation.Install), Log());

        var pass = await engine.AppTestAsync(input, null, _temp.Combine("pass"), Log());
        pass.Passed.Should().BeTrue(pass.ToSummary());
        pass.Results.Select(r => $"{r.Service}@{r.Host}").Should().BeEquivalentTo("db@debian", "api@bclinux", "api@centos", "web@centos");

        await Host("bclinux").RunAsync(CommandSpec.Of("touch", $"{p.BaseDir}/api/broken"));
        var fail = await engine.AppTestAsync(input, ["api"], _temp.Combine("fail"), Log());
        fail.Passed.Should().BeFalse();
        fail.Failures.Select(r => r.Host).Should().Equal("bclinux");
        var junit = XDocument.Load(_temp.Combine("fail", AppTestReport.JUnitFile));
        junit.Root!.Attribute("failures")!.Value.Should().Be("1");
        junit.Descendants("testcase").Single(t => t.Element("failure") is not null).Attribute("name")!.Value.Should().Be("bclinux");
        (await File.ReadAllTextAsync(_temp.Combine("fail", AppTestReport.SummaryFile))).Should().Contain("FAIL api on bclinux").And.EndWith("1 passed, 1 failed: FAIL\n");
    }

    [Fact]
    public async Task Upgrade_of_one_service_keeps_a_user_edit_leaves_other_pids_and_a_conflict_stops_it_at_plan_time()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-up", 18140);
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        var centos = Host("centos");
        var before = await p.PidsAsync(centos);
        var dbBefore = await p.PidsAsync(Host("debian"));
        var conf = $"{p.BaseDir}/api/app.conf";
        await centos.RunAsync(CommandSpec.Of("sh", "-c", "echo custom=kept-by-user >> \"$1\"", "sh", conf)).ThrowOnFailure();

        // The package changes api: a new version and a new config line.
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"), (await File.ReadAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"))).Replace("version: 1.0.0", "version: 1.1.0"));
        var template = Path.Combine(p.Directory, "api", "templates", "app.conf");
        await File.WriteAllTextAsync(template, (await File.ReadAllTextAsync(template)).Replace("name={{ service.name }}\n", "name={{ service.name }}\nfeature=on\n"));
        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log(events));

        result.Plan.Changes.Select(s => s.Key).Should().BeEquivalentTo("api@bclinux", "api@centos");
        result.Plan.Configs.Should().ContainSingle(c => c.Host == "centos").Which.Reason.Should().Be("edit on the target kept, package changes merged");
        var merged = await ReadAsync(centos, conf);
        merged.Should().Contain("version=1.1.0\n").And.Contain("feature=on\n").And.Contain("custom=kept-by-user\n");
        var after = await p.PidsAsync(centos);
        after["web"].Should().Be(before["web"], "web was not touched");
        after["api"].Should().NotBe(before["api"], "api was restarted with its new files");
        (await p.PidsAsync(Host("debian"))).Should().Equal(dbBefore);
        (await Engine(p).HistoryAsync()).Releases.Select(r => (r.Number, r.Operation)).Should().Equal((1, LifecycleOperation.Install), (2, LifecycleOperation.Upgrade));

        // The user changes log_level on bclinux; the package changes the same line: a conflict, reported before any change.
        await Host("bclinux").RunAsync(CommandSpec.Of("sed", "-i", "s/^log_level=info$/log_level=debug/", conf)).ThrowOnFailure();
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"), (await File.ReadAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"))).Replace("version: 1.1.0", "version: 1.2.0").Replace("values: { port:", "values: { log_level: warn, port:"));
        var plan = () => Engine(p).PlanAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Upgrade));
        var conflict = (await plan.Should().ThrowAsync<DeployException>()).Which;
        conflict.Code.Should().Be(DeployErrorCode.MergeConflict);
        conflict.Host.Should().Be("bclinux");
        conflict.Message.Should().Contain("log_level=debug").And.Contain("log_level=warn").And.NotContain("token=");
        (await ReadAsync(Host("bclinux"), conf)).Should().Contain("log_level=debug\n").And.Contain("version=1.1.0\n");

        var kept = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade) { Conflicts = ConflictResolution.KeepLive }, Log());
        kept.Release.Number.Should().Be(3);
        (await ReadAsync(Host("bclinux"), conf)).Should().Contain("log_level=debug\n").And.Contain("version=1.2.0\n");
    }

    [Fact]
    public async Task Rollback_to_the_previous_release_restores_the_old_service_keeps_the_user_edit_and_refuses_a_wrong_package()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-rb", 18180);
        var v1 = await p.InputAsync();
        await Engine(p).RunAsync(v1, new LifecycleRequest(LifecycleOperation.Install), Log());
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"), (await File.ReadAllTextAsync(Path.Combine(p.Directory, "api", "service.yaml"))).Replace("version: 1.0.0", "version: 2.0.0"));
        var v2 = await p.InputAsync();
        await Engine(p).RunAsync(v2, new LifecycleRequest(LifecycleOperation.Upgrade), Log());
        (await ReadAsync(centos, conf)).Should().Contain("version=2.0.0\n");
        await centos.RunAsync(CommandSpec.Of("sh", "-c", "echo custom=after-upgrade >> \"$1\"", "sh", conf)).ThrowOnFailure();
        var web = (await p.PidsAsync(centos))["web"];

        var wrong = () => Engine(p).RunAsync(v2, new LifecycleRequest(LifecycleOperation.Rollback) { Revision = 1 });
        (await wrong.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.InvalidArgument && e.Service == "api");

        var result = await Engine(p).RunAsync(v1, new LifecycleRequest(LifecycleOperation.Rollback), Log());
        result.Plan.Changes.Select(c => (c.Key, c.Action)).Should().BeEquivalentTo(new[] { ("api@bclinux", LifecycleAction.Upgrade), ("api@centos", LifecycleAction.Upgrade) });
        result.Plan.Changes.Should().OnlyContain(c => c.Reason.StartsWith("back to release 1: 2.0.0 -> 1.0.0", StringComparison.Ordinal));
        (await ReadAsync(centos, conf)).Should().Contain("version=1.0.0\n").And.Contain("custom=after-upgrade\n");
        (await p.PidsAsync(centos))["web"].Should().Be(web);
        var history = await Engine(p).HistoryAsync();
        history.Releases.Select(r => (r.Number, r.Operation, r.Version)).Should().Equal((1, LifecycleOperation.Install, "1.0.0"), (2, LifecycleOperation.Upgrade, "1.0.0"), (3, LifecycleOperation.Rollback, "1.0.0"));
        history.Current!.Services.Single(s => s.Name == "api").Digest.Should().Be(history.Get(1)!.Services.Single(s => s.Name == "api").Digest);
    }

    [Fact]
    public async Task An_interrupted_install_is_resumed_by_the_next_run_skipping_completed_steps()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-resume", 18190);
        using var cancel = new CancellationTokenSource();
        var first = new SyncProgress<LifecycleProgress>(e =>
        {
            _output.WriteLine($"run 1 {e.Kind}: {e.Message}");
            if (e.Kind == LifecycleEventKind.StepStarted && e.Service == "api")
            {
                cancel.Cancel();
            }
        });
        var interrupted = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install), first, cancel.Token);
        (await interrupted.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        (await Host("bclinux").StatAsync("/var/lib/deploy-lifecycle/lc-resume/journal.json")).Should().NotBeNull("the journal (on the first host by name) stays for the next run");
        (await Engine(p).HistoryAsync()).Releases.Should().BeEmpty();
        var db = (await p.PidsAsync(Host("debian")))["db"];

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log(events));
        result.Resumed.Should().BeTrue();
        result.Release.Number.Should().Be(1);
        events.Should().Contain(e => e.Kind == LifecycleEventKind.Resuming);
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "db", "the completed wave is skipped");
        (await p.PidsAsync(Host("debian")))["db"].Should().Be(db);
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
        (await Host("bclinux").StatAsync("/var/lib/deploy-lifecycle/lc-resume/journal.json")).Should().BeNull();
    }

    [Fact]
    public async Task Reset_refuses_without_the_product_name_lists_what_it_wipes_on_dry_run_and_reruns_init()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-reset", 18200, new Dictionary<string, string> { ["db"] = "  reset: { command: \"rm -f {{ base_dir }}/db/data.txt && echo seed > {{ base_dir }}/db/data.txt\", timeout: 30s }" });
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Services = ["db"] }, Log());
        var debian = Host("debian");
        await debian.RunAsync(CommandSpec.Of("sh", "-c", "echo user-row > \"$1\"", "sh", $"{p.BaseDir}/db/data.txt")).ThrowOnFailure();

        foreach (var confirm in new[] { null, "LC-RESET" })
        {
            var refused = () => Engine(p).ResetAsync(input, confirm);
            (await refused.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.InvalidArgument && e.Message.Contains("--confirm lc-reset"));
        }

        var dry = await Engine(p).ResetAsync(input, null, dryRun: true);
        dry.ToText().Should().Contain($"db on debian: rm -f {p.BaseDir}/db/data.txt");
        (await ReadAsync(debian, $"{p.BaseDir}/db/data.txt")).Should().Be("user-row\n", "a dry run wipes nothing");

        var done = await Engine(p).ResetAsync(input, "lc-reset", progress: Log());
        done.Results.Should().ContainSingle().Which.Succeeded.Should().BeTrue();
        (await ReadAsync(debian, $"{p.BaseDir}/db/data.txt")).Should().Be("seed\n");
    }

    [Fact]
    public async Task Sample_product_installs_on_three_hosts_passes_apptest_and_reset_wipes_a_redis_key_and_a_mariadb_row()
    {
        var sample = Path.GetDirectoryName(ShopProduct.SampleApp())!;
        sample = Path.GetFullPath(Path.Combine(sample, ".."));
        var product = await Core.Lifecycle.Model.ProductLoader.LoadAsync(sample);
        var inventory = Core.Inventory.HostInventory.Parse(Hosts.InventoryYaml()
            .Replace("labels: { os: centos }", "labels: { os: centos, role: app }")
            .Replace("labels: { os: bclinux }", "labels: { os: bclinux, role: app }")
            .Replace("labels: { os: debian }", "labels: { os: debian, role: data }"), "inventory");
        var input = new LifecycleInput(product, Core.Lifecycle.Scheduling.Scheduler.CreateDefault(product, inventory))
        {
            SiteValues = await Core.Lifecycle.Templates.SiteValues.LoadAsync(Path.Combine(sample, "..", "values.yaml")),
        };
        var engine = new LifecycleEngine(ShopProduct.Backend(Hosts, product.Name, _opened));

        var result = await engine.RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 3, AutoTest = true }, Log());
        result.Release.Services.Should().HaveCount(7);
        result.Tests!.Passed.Should().BeTrue(result.Tests.ToSummary());
        result.Tests.Results.Should().HaveCount(7);

        var debian = Host("debian");
        var redis = $"redis-cli -h {Hosts["debian"].Address} -p 16379 --no-auth-warning -a \"$(sed -n 's/^requirepass //p' /opt/private-deploy/redis/redis.conf)\"";
        const string Db = "mariadb --defaults-file=/opt/private-deploy/mariadb/my.cnf -N -e";
        await debian.RunAsync(CommandSpec.Of("sh", "-c", $"{redis} SET user-key 1 && {Db} \"INSERT INTO app.items VALUES (2, 'user')\"")).ThrowOnFailure();
        (await debian.RunAsync(CommandSpec.Of("sh", "-c", $"{Db} 'SELECT COUNT(*) FROM app.items'"))).StandardOutput.Trim().Should().Be("2");

        var reset = await engine.ResetAsync(input, product.Name, progress: Log());
        reset.Steps.Select(s => s.Service).Should().Equal("mariadb", "redis");
        (await debian.RunAsync(CommandSpec.Of("sh", "-c", $"{redis} EXISTS user-key"))).StandardOutput.Trim().Should().Be("0");
        (await debian.RunAsync(CommandSpec.Of("sh", "-c", $"{Db} 'SELECT name FROM app.items'"))).StandardOutput.Trim().Should().Be("seed", "init ran again after the wipe");
        (await engine.AppTestAsync(input)).Passed.Should().BeTrue();
    }

    [Fact]
    public async Task Failing_auto_test_of_an_upgrade_puts_the_old_service_back_with_the_user_edit()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-gate", 18210);
        var old = await p.LoadAsync();
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        await centos.RunAsync(CommandSpec.Of("sh", "-c", "echo custom=kept >> \"$1\"", "sh", conf)).ThrowOnFailure();
        var liveBefore = await ReadAsync(centos, conf);
        var web = (await p.PidsAsync(centos))["web"];

        // Copy the package aside as the installed one, then break api's test in the new version.
        var v2 = new ShopProduct(_temp.Combine("shop-v2"), p.Name, p.PortBase);
        CopyTree(p.Directory, v2.Directory);
        var yaml = Path.Combine(v2.Directory, "api", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("version: 1.0.0", "version: 1.1.0").Replace("&& test ! -e", "&& test -e"));
        var input = await v2.InputAsync() with { Previous = old };

        var upgrade = () => Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Upgrade) { AutoTest = true }, Log());
        var error = (await upgrade.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.VerificationFailed);
        error.Service.Should().Be("api");

        (await ReadAsync(centos, conf)).Should().Be(liveBefore, "the config is back as it was, user edit included");
        var health = await centos.RunAsync(CommandSpec.Of("sh", $"{p.BaseDir}/api/app/test.sh", Hosts["centos"].Address, p.Port("api").ToString(System.Globalization.CultureInfo.InvariantCulture)));
        health.StandardOutput.Should().Contain("PASS: ok api 1.0.0", "the old version runs again");
        (await p.PidsAsync(centos))["web"].Should().Be(web);
        var history = await Engine(p).HistoryAsync();
        history.Releases.Select(r => (r.Number, r.Outcome)).Should().Equal((1, ReleaseOutcome.Succeeded), (2, ReleaseOutcome.RolledBack));
        history.Current!.Services.Single(s => s.Name == "api").Version.Should().Be("1.0.0");
    }

    [Fact]
    public async Task Upgrade_killed_with_SIGKILL_between_waves_is_resumed_by_the_next_run_and_then_rolled_back_to_release_1()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-kill", 18220);
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        var v2 = new ShopProduct(_temp.Combine("shop-v2"), p.Name, p.PortBase);
        CopyTree(p.Directory, v2.Directory);
        var yaml = Path.Combine(v2.Directory, "api", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("version: 1.0.0", "version: 1.1.0"));
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        var web = (await p.PidsAsync(centos))["web"];

        // Steps: wave-1 (db: keep), wave-2 (api: upgrade), wave-3 (web: keep), record-release. Killed before wave-3.
        var child = OperationChild.Command(["lifecycle-upgrade", v2.Directory, "api=bclinux,centos;db=debian;web=centos",
            .. Hosts.Hosts.Select(h => $"{h.Name}={h.Address}:{h.Port}:{h.IdentityFile}:{h.KnownHostsFile}")]);
        var killed = await KillHarness.KillAtBoundaryAsync(child, 2, TimeSpan.FromSeconds(120));
        _output.WriteLine(killed.ToString());
        killed.Step.Should().Be("wave-3");
        (await ReadAsync(centos, conf)).Should().Contain("version=1.1.0\n", "api was upgraded before the kill");
        (await Engine(p).HistoryAsync()).Releases.Should().ContainSingle("the killed run recorded nothing yet");

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await v2.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log(events));
        result.Resumed.Should().BeTrue();
        result.Release.Should().Match<ReleaseRecord>(r => r.Number == 2 && r.Outcome == ReleaseOutcome.Succeeded);
        events.Should().Contain(e => e.Kind == LifecycleEventKind.Warning && e.Message.Contains("upgrade lc-kill", StringComparison.Ordinal), "the dead child's lock is taken over with a note naming it");
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "api", "the completed wave is not run again");
        (await Host("bclinux").StatAsync("/var/lib/deploy-lifecycle/lc-kill/journal.json")).Should().BeNull();
        (await p.PidsAsync(centos))["web"].Should().Be(web);

        var back = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Rollback) { Revision = 1 }, Log());
        back.Release.Number.Should().Be(3);
        (await ReadAsync(centos, conf)).Should().Contain("version=1.0.0\n");
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(d.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(f, f.Replace(from, to, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Failing_auto_test_rolls_the_install_back_and_records_it()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-auto", 18150);
        await Host("centos").RunAsync(CommandSpec.Of("mkdir", "-p", $"{p.BaseDir}/web")).ThrowOnFailure();
        await Host("centos").RunAsync(CommandSpec.Of("touch", $"{p.BaseDir}/web/broken")).ThrowOnFailure();

        var run = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install) { AutoTest = true }, Log());
        var error = (await run.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.VerificationFailed);
        error.Service.Should().Be("web");
        error.Host.Should().Be("centos");

        (await p.PidsAsync(Host("centos"))).Should().BeEmpty("the rolled-back install removed what it placed");
        (await p.PidsAsync(Host("debian"))).Should().BeEmpty();
        var history = await Engine(p).HistoryAsync();
        history.Releases.Should().ContainSingle().Which.Outcome.Should().Be(ReleaseOutcome.RolledBack);
        history.Current!.Services.Should().BeEmpty();
    }

    [Fact]
    public async Task Delete_all_kills_a_hanging_hook_reports_it_and_removes_every_service_in_reverse_order()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-del", 18160, new Dictionary<string, string> { ["api"] = "  delete: { command: \"sleep 600\", timeout: 2s }" });
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Delete), Log(events));

        result.Plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => s.Key))).Should().Equal("web@centos", "api@bclinux,api@centos", "db@debian");
        events.Where(e => e.Kind == LifecycleEventKind.HookTimedOut).Select(e => e.Host).Should().BeEquivalentTo("bclinux", "centos");
        foreach (var h in new[] { "centos", "bclinux", "debian" })
        {
            (await p.PidsAsync(Host(h))).Should().BeEmpty();
            var sleeping = await Host(h).RunAsync(CommandSpec.Of("sh", "-c", "ps -eo args= | grep -x 'sleep 600' || true"));
            sleeping.StandardOutput.Should().BeEmpty("the hung hook was killed");
        }

        (await Engine(p).HistoryAsync()).Current!.Services.Should().BeEmpty();
    }

    [Fact]
    public async Task A_second_operation_is_refused_while_the_product_is_locked_naming_the_holder()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-lock", 18170);
        var holder = ShopProduct.Backend(Hosts, p.Name, _opened);
        await using (await holder.LockAsync("upgrade"))
        {
            var run = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install));
            var e = (await run.Should().ThrowAsync<DeployException>()).Which;
            e.Code.Should().Be(DeployErrorCode.LockHeld);
            e.Host.Should().Contain(Hosts["bclinux"].Address, "locks are taken in host-name order");
            e.Message.Should().Contain("upgrade lc-lock").And.Contain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Services = ["db"] })).Release.Number.Should().Be(1);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var h in _opened)
        {
            await h.DisposeAsync();
        }

        _temp.Dispose();
    }
}
