using System.Xml.Linq;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Deploy.Testing.Kill;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>The lifecycle engine on the hosts backend, on three isolated hosts (centos, bclinux, debian) with real processes: install, apptest, reset, delete, lock.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
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
    public async Task Each_apply_stages_its_rendered_configs_in_a_private_directory_that_is_gone_when_it_ends_though_the_backend_is_never_disposed()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-stage", 18250);
        var staging = _temp.Combine("staging");
        var seen = new List<(UnixFileMode Mode, int Files)>();

        // Each host's apply reports its timings while its staged configs still exist (they go when the apply returns).
        var progress = new SyncProgress<LifecycleProgress>(e =>
        {
            if (e.Kind == LifecycleEventKind.Timings)
            {
                lock (seen)
                {
                    seen.AddRange(Directory.GetDirectories(staging).Select(d => (File.GetUnixFileMode(d), Directory.GetFiles(d, "*", SearchOption.AllDirectories).Length)));
                }
            }
        });
        var backend = ShopProduct.Backend(Hosts, p.Name, _opened, new HostsBackendOptions { LocalStagingDirectory = staging });
        await new LifecycleEngine(backend).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Services = ["api"] }, progress);

        seen.Should().NotBeEmpty("api's two hosts each staged its configs there")
            .And.OnlyContain(s => s.Mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute) && s.Files > 0);
        Directory.EnumerateFileSystemEntries(staging).Should().BeEmpty("each apply removed its own staging directory");
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/api/app.conf")).Should().Contain("token=", "the staged configs were placed");
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
    public async Task Sample_product_installs_in_parallel_one_apply_per_host_and_wave_passes_apptest_and_reset_wipes_a_redis_key_and_a_mariadb_row()
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

        var events = new List<LifecycleProgress>();
        var result = await engine.RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 3, AutoTest = true }, Log(events));
        result.Release.Services.Should().HaveCount(7);

        // Wave 1 places redis and mariadb, both on debian, in one sequence apply (its output is prefixed with both);
        // each still has its own step events and its own bytes.
        events.Should().Contain(e => e.Kind == LifecycleEventKind.Output && e.Host == "debian" && e.Service == null
            && (e.Message.StartsWith("[redis,mariadb@debian] ", StringComparison.Ordinal) || e.Message.StartsWith("[mariadb,redis@debian] ", StringComparison.Ordinal)));
        foreach (var s in new[] { "redis", "mariadb" })
        {
            events.Should().ContainSingle(e => e.Kind == LifecycleEventKind.StepCompleted && e.Service == s && e.Host == "debian");
            events.Should().ContainSingle(e => e.Kind == LifecycleEventKind.Transferred && e.Service == s && e.Host == "debian").Which.Bytes.Should().BePositive();
        }

        result.BytesByService.Keys.Should().HaveCount(7);
        result.Phases.Select(t => t.Phase).Should().Contain([LifecyclePhase.Lock, LifecyclePhase.ReadReleases, LifecyclePhase.Plan, LifecyclePhase.Render, LifecyclePhase.Merge, LifecyclePhase.Apply, LifecyclePhase.Test, LifecyclePhase.Record]);
        events.Should().ContainSingle(e => e.Kind == LifecycleEventKind.Timings && e.Host == null).Which.Message.Should().StartWith("timings: lock ");
        events.Where(e => e.Kind == LifecycleEventKind.Timings && e.Host != null).Should().HaveCount(6, "each placement (one per host and wave: mariadb and redis share one) reports its sequence apply's phases")
            .And.OnlyContain(e => e.Message.Contains("] sequence apply: ", StringComparison.Ordinal) && e.Message.Contains("statecommit ", StringComparison.Ordinal));
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
    public async Task Delete_all_stops_hanging_hooks_with_TERM_then_KILL_lists_what_is_left_and_resumes_after_an_interruption()
    {
        // api's delete hook ignores TERM (it must be killed); web's ends on TERM.
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-del", 18160, new Dictionary<string, string>
        {
            ["api"] = "  delete: { command: \"trap '' TERM; echo draining api; sleep 600\", timeout: 2s }",
            ["web"] = "  delete: { command: \"trap 'echo web got TERM; exit 143' TERM; echo draining web; sleep 600 & wait\", timeout: 2s }",
        });
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log());
        var options = new Core.Lifecycle.Hosts.HostsBackendOptions { HookKillGrace = TimeSpan.FromSeconds(1) };

        // The first delete is interrupted when api's turn comes: web is done (its hook stopped by TERM), api is not.
        using var cancel = new CancellationTokenSource();
        var first = new SyncProgress<LifecycleProgress>(e =>
        {
            _output.WriteLine($"run 1 {e.Kind}: {e.Message}");
            if (e.Kind == LifecycleEventKind.StepStarted && e.Service == "api")
            {
                cancel.Cancel();
            }
        });
        var interrupted = () => new LifecycleEngine(ShopProduct.Backend(Hosts, p.Name, _opened, options)).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Delete), first, cancel.Token);
        (await interrupted.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        (await p.PidsAsync(Host("centos"))).Keys.Should().Equal("api");

        var events = new List<LifecycleProgress>();
        var result = await new LifecycleEngine(ShopProduct.Backend(Hosts, p.Name, _opened, options)).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Delete), Log(events));

        result.Resumed.Should().BeTrue();
        result.Plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => s.Key))).Should().Equal("web@centos", "api@bclinux,api@centos", "db@debian");
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "web", "the completed step is not run again");
        events.Where(e => e.Kind == LifecycleEventKind.HookTimedOut).Select(e => e.Host).Should().BeEquivalentTo("bclinux", "centos");
        result.LeftOver.Select(l => $"{l.Service}@{l.Host}").Should().Equal("api@bclinux", "api@centos", "web@centos");
        result.LeftOver.Where(l => l.Service == "api").Should().OnlyContain(l => l.What.Contains("killed (TERM, then KILL)") && l.What.Contains("draining api"));
        result.LeftOver.Single(l => l.Service == "web").What.Should().Contain("stopped (TERM)").And.Contain("web got TERM", "kept in the journal from the interrupted run");
        foreach (var h in new[] { "centos", "bclinux", "debian" })
        {
            (await p.PidsAsync(Host(h))).Should().BeEmpty();
            var sleeping = await Host(h).RunAsync(CommandSpec.Of("sh", "-c", "ps -eo args= | grep -x 'sleep 600' || true"));
            sleeping.StandardOutput.Should().BeEmpty("the hung hooks and their children were killed");
        }

        var history = await Engine(p).HistoryAsync();
        history.Current!.Services.Should().BeEmpty();
        history.Current.LeftOver.Should().HaveCount(3, "the release record on the targets lists what is left");
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

    [Fact]
    public async Task Operations_that_lock_the_product_at_the_same_moment_never_both_hold_it_and_leave_no_host_locked()
    {
        // Every host is tried at once: racing operations may each take some hosts first. They must never both win,
        // a loser is refused naming a holder, and the hosts a loser took are released.
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-race", 18530);
        var backends = Enumerable.Range(0, 4).Select(_ => ShopProduct.Backend(Hosts, p.Name, _opened)).ToList();
        for (var round = 0; round < 5; round++)
        {
            var attempts = backends.Select((b, i) => b.LockAsync($"op{i}")).ToList();
            await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

            attempts.Count(a => a.IsCompletedSuccessfully).Should().BeLessThanOrEqualTo(1, "round {0}: the product has one holder at most", round);
            foreach (var failed in attempts.Where(a => a.IsFaulted))
            {
                failed.Exception!.InnerException.Should().BeOfType<DeployException>().Which.Code.Should().Be(DeployErrorCode.LockHeld);
            }

            foreach (var won in attempts.Where(a => a.IsCompletedSuccessfully))
            {
                await (await won).DisposeAsync();
            }

            // Nothing is left locked: a new operation takes every host.
            await using (await backends[0].LockAsync("after"))
            {
            }
        }
    }
}
