using System.Xml.Linq;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Deploy.Testing.Kill;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>Upgrade, rollback, auto-test gating, and interrupted runs (cancelled, SIGKILLed) on three isolated hosts.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleUpgradeTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
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
    public async Task Upgrading_one_service_sends_about_that_services_bytes_once_counting_the_payload_kept_for_rollback()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-bytes", 18440);
        var counted = Hosts.Hosts.ToDictionary(h => h.Name, h =>
        {
            var host = h.CreateHost();
            _opened.Add(host);
            return new CountingHost(host);
        });
        await using var backend = new HostsBackend(p.Name, counted.ToDictionary(x => x.Key, x => ((IHost)x.Value, new RenderHost(x.Key, Hosts[x.Key].Address))));
        var engine = new LifecycleEngine(backend);
        var install = await engine.RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        install.BytesByService.Keys.Should().BeEquivalentTo("db", "api", "web");
        install.BytesTransferred.Should().Be(install.BytesByService.Values.Sum());
        foreach (var (name, c) in counted)
        {
            c.Commands.Count(x => x == "cat /proc/1/comm").Should().Be(1, $"{name}'s service manager is selected once per backend, not once per apply, restart or settle watch");
        }

        var app = Path.Combine(p.Directory, "api", "app", "app.py");
        await File.AppendAllTextAsync(app, "# build 1.0.1\n");
        // And a new 64 KiB file that does not compress: sent twice (placed, then again for the kept payload), it
        // would break the bound below.
        var asset = Path.Combine(p.Directory, "api", "app", "assets.bin");
        var bytes = new byte[64 * 1024];
        new Random(12).NextBytes(bytes);
        await File.WriteAllBytesAsync(asset, bytes);
        var folder = new DirectoryInfo(Path.Combine(p.Directory, "api")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        foreach (var c in counted.Values)
        {
            c.Reset();
        }

        var upgrade = await engine.RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        // Every file transfer of the upgrade counts, the sequence engine's and the payload store's. api runs on two
        // hosts; each may get at most 1.1 x api's folder (its changed files once: the kept payload copies them on the
        // target from where the sequence engine placed them, and gets only what is never placed, service.yaml and
        // templates/, by upload) plus a fixed 4 KiB for its rendered config files and the transfers' framing.
        // Metadata (journal, release record, lock) is written with WriteFileAsync and not counted here.
        var uploaded = counted.Values.Sum(c => c.UploadedBytes);
        _output.WriteLine($"upgrade of api: {uploaded} bytes uploaded ({upgrade.BytesTransferred} by the sequence engine: {string.Join(", ", counted.Select(c => $"{c.Key} {c.Value.UploadedBytes}"))}); api folder {folder} bytes; install sent {install.BytesTransferred}");
        upgrade.BytesByService.Keys.Should().Equal(["api"], "only the changed service is placed");
        upgrade.BytesTransferred.Should().BeGreaterThanOrEqualTo(2 * bytes.Length, "the new file went to both hosts");
        uploaded.Should().BeLessThanOrEqualTo((long)(2 * ((1.1 * folder) + 4096)), "the changed files are sent once per host, not again for the kept payload");
        counted["debian"].UploadedBytes.Should().Be(0, "debian does not run api and holds no payload of it");
        upgrade.BytesTransferred.Should().BeLessThan(install.BytesByService["api"] + (2 * bytes.Length), "unchanged files of api are not sent again");
        var kept = await ReadAsync(Host("centos"), $"/var/lib/deploy-lifecycle/{p.Name}/payloads/api/{(await p.LoadAsync()).GetService("api").Digest}/app/app.py");
        kept.Should().EndWith("# build 1.0.1\n", "the kept payload holds the new file, copied from the placed one");
        counted.Values.SelectMany(c => c.Listed).Should().NotContain(backend.Root + "/payloads", "the payloads were listed with the release records, in their command, under the lock");
        counted.Values.SelectMany(c => c.Commands).Should().NotContain("cat /proc/1/comm", "the backend selected each host's service manager during the install");
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
    public async Task An_install_interrupted_inside_a_wave_does_not_run_the_completed_steps_hooks_again()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-midwave", 18230);
        using var cancel = new CancellationTokenSource();
        var first = new SyncProgress<LifecycleProgress>(e =>
        {
            _output.WriteLine($"run 1 {e.Kind}: {e.Message}");
            if (e.Kind == LifecycleEventKind.StepStarted && e.Service == "api" && e.Host == "centos")
            {
                cancel.Cancel();
            }
        });

        // Wave 2 is api@bclinux then api@centos (parallel 1): interrupted after api@bclinux completed, inside the wave.
        var interrupted = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install), first, cancel.Token);
        (await interrupted.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        (await ReadAsync(Host("bclinux"), $"{p.BaseDir}/api/installed")).Should().Be("installed\n");

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log(events));
        result.Resumed.Should().BeTrue();
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "api" && e.Host == "bclinux", "the step completed inside the interrupted wave is not run again");
        events.Should().Contain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "api" && e.Host == "centos");
        (await ReadAsync(Host("bclinux"), $"{p.BaseDir}/api/installed")).Should().Be("installed\n", "its install hook ran once");
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/api/installed")).Should().Be("installed\n");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
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
        var (p, v2, child) = await InstalledWithApiUpgradeAsync("lc-kill", 18220);
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        var web = (await p.PidsAsync(centos))["web"];

        // Steps: wave-2 (api: upgrade), record-release (waves that only keep their services are no steps). Killed
        // before record-release: api upgraded, nothing recorded.
        var killed = await KillHarness.KillAtBoundaryAsync(child, 1, TimeSpan.FromSeconds(120));
        _output.WriteLine(killed.ToString());
        killed.Step.Should().Be("record-release");
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

    [Fact]
    public async Task Upgrade_killed_after_its_release_record_before_the_journal_is_deleted_is_finished_by_the_next_run_without_a_second_record()
    {
        var (p, v2, child) = await InstalledWithApiUpgradeAsync("lc-killrec", 18510);
        var journal = "/var/lib/deploy-lifecycle/lc-killrec/journal.json";

        // Steps: wave-2 (api: upgrade), record-release. Boundary 2 is the end: the record is written, the journal not
        // yet deleted. The record step's completion is not journaled, so the journal still names it as pending.
        var killed = await KillHarness.KillAtBoundaryAsync(child, 2, TimeSpan.FromSeconds(120));
        _output.WriteLine(killed.ToString());
        killed.Step.Should().Be("end");
        (await Engine(p).HistoryAsync()).Releases.Select(r => (r.Number, r.Outcome)).Should().Equal((1, ReleaseOutcome.Succeeded), (2, ReleaseOutcome.Succeeded));
        (await Host("bclinux").StatAsync(journal)).Should().NotBeNull("the kill came before the journal's deletion");

        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await v2.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log(events));

        result.Resumed.Should().BeTrue();
        result.Release.Should().Match<ReleaseRecord>(r => r.Number == 2 && r.Outcome == ReleaseOutcome.Succeeded);
        events.Should().NotContain(e => e.Kind == LifecycleEventKind.StepStarted && e.Service == "api", "the completed wave is not run again");
        (await Engine(p).HistoryAsync()).Releases.Select(r => (r.Number, r.Outcome)).Should().Equal([(1, ReleaseOutcome.Succeeded), (2, ReleaseOutcome.Succeeded)], "the record was written again under the same number, not as a third release");
        (await Host("bclinux").StatAsync(journal)).Should().BeNull();
        (await ReadAsync(Host("centos"), $"{p.BaseDir}/api/app.conf")).Should().Contain("version=1.1.0\n");
    }

    /// <summary>
    /// The kill tests' start: the shop product <paramref name="name"/> installed, a copy of it as v2 with api at
    /// 1.1.0, and the child process command that upgrades to v2 (to be killed at a step boundary).
    /// </summary>
    private async Task<(ShopProduct Installed, ShopProduct V2, ChildCommand Upgrade)> InstalledWithApiUpgradeAsync(string name, int portBase)
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), name, portBase);
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        var v2 = new ShopProduct(_temp.Combine("shop-v2"), p.Name, p.PortBase);
        CopyTree(p.Directory, v2.Directory);
        var yaml = Path.Combine(v2.Directory, "api", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("version: 1.0.0", "version: 1.1.0"));
        var child = OperationChild.Command(["lifecycle-upgrade", v2.Directory, "api=bclinux,centos;db=debian;web=centos",
            .. Hosts.Hosts.Select(h => $"{h.Name}={h.Address}:{h.Port}:{h.IdentityFile}:{h.KnownHostsFile}")]);
        return (p, v2, child);
    }
}
