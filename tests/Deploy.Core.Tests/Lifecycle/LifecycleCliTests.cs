using System.Globalization;
using System.Text.Json;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Tests.Sequence;
using Deploy.Testing.Hosts;
using Deploy.Testing.Kill;
using Deploy.Testing.Terminal;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>The `deploy` lifecycle verbs, run as a child process against three isolated hosts, and `deploy demo`.</summary>
[Collection(LifecycleHostsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LifecycleCliTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    private async Task<string[]> ArgsAsync(ShopProduct p)
    {
        var inventory = _temp.Combine("inventory.yaml");
        var lines = new List<string> { "hosts:" };
        lines.AddRange(Hosts.Hosts.Select(h => string.Create(CultureInfo.InvariantCulture,
            $"  {h.Name}: {{ address: {h.Address}, port: {h.Port}, user: {h.RootUser}, identity_file: \"{h.IdentityFile}\", known_hosts_file: \"{h.KnownHostsFile}\", ssh_config: /dev/null }}")));
        await File.WriteAllLinesAsync(inventory, lines);
        var scheduled = _temp.Combine("scheduled.yaml");
        await File.WriteAllTextAsync(scheduled, ScheduleYaml.Write(p.Schedule));
        return ["-i", inventory, "-f", p.Directory, "--scheduled", scheduled];
    }

    private async Task<(int ExitCode, string Output, string Error)> DeployAsync(params string[] args)
    {
        var r = await DeployCli.RunAsync(args);
        _output.WriteLine($"$ deploy {string.Join(' ', args.Take(1))} ... -> {r.ExitCode}\n{r.Output}{r.Error}");
        return r;
    }

    [Fact]
    public async Task Cli_builds_a_product_package_then_dry_run_install_apptest_status_history_and_delete_drive_the_engine_on_three_hosts()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-cli", 18260);
        await File.AppendAllTextAsync(Path.Combine(p.Directory, "product.yaml"), "osRelease: centos,bclinux,debian\n");
        var built = await DeployAsync("package", "product", p.Directory, "--out-dir", _temp.Combine("out"));
        built.ExitCode.Should().Be(0, built.Error);
        var package = _temp.Combine("out", "lc-cli-1.0.0.tar.gz");
        (await DeployAsync("package", "verify", package)).ExitCode.Should().Be(0);
        var common = (await ArgsAsync(p)).Select(a => a == p.Directory ? package : a).ToArray();

        var dry = await DeployAsync(["install", .. common, "--dry-run", "--json"]);
        dry.ExitCode.Should().Be(0);
        using (var plan = JsonDocument.Parse(dry.Output))
        {
            plan.RootElement.GetProperty("waves").EnumerateArray().SelectMany(w => w.GetProperty("steps").EnumerateArray()).Select(s => s.GetProperty("service").GetString() + "@" + s.GetProperty("host").GetString())
                .Should().BeEquivalentTo("db@debian", "api@bclinux", "api@centos", "web@centos");
        }

        (await Host("centos").StatAsync($"{p.BaseDir}/api/app.conf")).Should().BeNull("a dry run changes nothing");

        var unknown = await DeployAsync(["install", .. common, "--services", "nosuch"]);
        unknown.ExitCode.Should().Be(2);
        unknown.Error.Should().Contain("nosuch");

        var install = await DeployAsync(["install", .. common, "--parallel", "2", "--auto-test"]);
        install.ExitCode.Should().Be(0, install.Error);
        install.Output.Should().Contain("release 1: install lc-cli 1.0.0 succeeded");
        install.Error.Should().Contain("precheck:", "install runs the precheck first");

        var tests = await DeployAsync(["apptest", .. common, "--out-dir", _temp.Combine("report")]);
        tests.ExitCode.Should().Be(0);
        File.ReadAllText(_temp.Combine("report", "apptest-junit.xml")).Should().Contain("<testsuite");

        await Host("centos").RunAsync(Deploy.Core.Hosts.CommandSpec.Of("touch", $"{p.BaseDir}/web/broken"));
        var failing = await DeployAsync(["apptest", .. common, "--services", "web", "--out-dir", _temp.Combine("report2")]);
        failing.ExitCode.Should().Be(1, "a failing test makes apptest exit 1");

        var status = await DeployAsync(["status", .. common]);
        status.Output.Should().Contain("lc-cli 1.0.0: release 1 (install, succeeded");
        var history = await DeployAsync(["history", .. common, "--json"]);
        using (var releases = JsonDocument.Parse(history.Output))
        {
            releases.RootElement.GetArrayLength().Should().Be(1);
        }

        var web = (await p.PidsAsync(Host("centos")))["web"];
        var restart = await DeployAsync(["component", .. common, "--action", "restart", "--services", "web"]);
        restart.ExitCode.Should().Be(0, restart.Error);
        (await p.PidsAsync(Host("centos")))["web"].Should().NotBe(web, "component --action restart restarted web");
        var middleware = await DeployAsync(["middleware", .. common, "--action", "upgrade", "--middleware", "db", "--dry-run"]);
        middleware.ExitCode.Should().Be(0, middleware.Error);
        middleware.Output.Should().Contain("db on debian");
        var notMiddleware = await DeployAsync(["middleware", .. common, "--action", "delete", "--middleware", "web"]);
        notMiddleware.ExitCode.Should().Be(2);
        notMiddleware.Error.Should().Contain("not middleware");
        var moved = _temp.Combine("moved.yaml");
        await File.WriteAllTextAsync(moved, ScheduleYaml.Write(new Schedule(p.Name, [.. p.Schedule.Services.Select(s => s.Service == "web" ? new ScheduledService("web", ["bclinux"]) : s)])));
        var move = await DeployAsync(["schedule", "apply", .. common, "-c", moved, "--dry-run"]);
        move.ExitCode.Should().Be(0, move.Error);
        move.Output.Should().Contain("web on bclinux").And.Contain("web on centos");

        // rollback takes no package: it reads the release's payload from the hosts, given the product's name.
        var noPackage = common.Where((a, i) => a != "-f" && (i == 0 || common[i - 1] != "-f")).ToArray();
        var noName = await DeployAsync(["rollback", .. noPackage, "--dry-run"]);
        noName.ExitCode.Should().Be(2);
        noName.Error.Should().Contain("--product");
        var nothingBefore = await DeployAsync(["rollback", .. noPackage, "--product", p.Name, "--dry-run"]);
        nothingBefore.ExitCode.Should().Be(2);
        nothingBefore.Error.Should().Contain("no earlier release", "it read the history from the hosts: release 1 is the only one");

        var delete = await DeployAsync(["delete", .. common]);
        delete.ExitCode.Should().Be(0, delete.Error);
        (await p.PidsAsync(Host("centos"))).Should().BeEmpty("delete stopped every service");
        (await Host("centos").StatAsync($"{p.BaseDir}/api/app.conf")).Should().BeNull();
    }

    [Fact]
    public async Task Cli_install_killed_with_SIGKILL_between_waves_is_finished_by_deploy_resume_which_skips_the_done_wave()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-cli-kill", 18270);
        var common = await ArgsAsync(p);
        var nothing = await DeployAsync(["resume", .. common]);
        nothing.Output.Should().Contain("nothing to resume");

        var killed = await KillHarness.KillAtBoundaryAsync(ChildCommand.Dotnet(DeployCli.Dll, ["install", .. common]), boundary: 1);
        _output.WriteLine($"killed at boundary {killed.Boundary} before {killed.Step}");
        var db = (await p.PidsAsync(Host("debian")))["db"];
        (await p.PidsAsync(Host("centos"))).Should().BeEmpty("the kill came before the api/web waves");
        var status = await DeployAsync(["status", .. common]);
        status.Output.Should().Contain("not installed");

        var resume = await DeployAsync(["resume", .. common]);
        resume.ExitCode.Should().Be(0, resume.Error);
        resume.Output.Should().Contain("resuming install 1.0.0 (release 1)").And.Contain("release 1: install 1.0.0 succeeded");
        (await p.PidsAsync(Host("debian")))["db"].Should().Be(db, "the completed wave is not run again");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");
        Directory.GetDirectories("/tmp", $"dsh-{killed.ProcessGroupId}-*").Should().BeEmpty("a later tool's first connection removes the ControlMaster directories a killed tool left");
        (await DeployAsync(["delete", .. common])).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Deploy_demo_packages_installs_upgrades_keeping_a_user_edit_and_rolls_back_on_file_rooted_local_hosts_leaving_no_process()
    {
        var demo = await DeployAsync("demo", "--keep");
        demo.ExitCode.Should().Be(0, demo.Error);
        demo.Output.Should().Contain("demo-shop-1.0.0.tar.gz").And.Contain("0 failed")
            .And.Contain("workers=8\n").And.Contain("timeout=30\n").And.Contain("(untouched)")
            .And.Contain("3  rollback  1.0.0  succeeded").And.Contain("Demo finished");
        var sandbox = demo.Output.Split('\n').Single(l => l.StartsWith("Sandbox kept at ", StringComparison.Ordinal))["Sandbox kept at ".Length..].Trim();
        try
        {
            Directory.Exists(Path.Combine(sandbox, "node-2", "var", "lib", "deploy-lifecycle")).Should().BeTrue("the lifecycle's state lives in the sandboxed host");
            foreach (var proc in Directory.GetDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
            {
                string? cwd = null;
                try
                {
                    cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(false)?.FullName;
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }

                (cwd ?? "").Should().NotStartWith(sandbox, "the demo deletes its product at the end, stopping every service");
            }
        }
        finally
        {
            Directory.Delete(sandbox, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_install_in_a_real_terminal_draws_a_live_table_with_spinners_and_ends_with_every_row_done_while_redirected_output_has_no_escape_codes()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-cli-tty", 18280);
        var common = await ArgsAsync(p);
        var screen = await TerminalCapture.RunAsync(_temp.Combine("tty"), ["dotnet", DeployCli.Dll, "install", .. common, "--parallel", "2"], TimeSpan.FromMinutes(3));
        _output.WriteLine($"{screen.Frames.Count} frames; one while running:\n{screen.Frames.FirstOrDefault(f => f.Contains("running", StringComparison.Ordinal))}\nlast:\n{screen.Last}");
        screen.ExitCode.Should().Be(0, screen.Last);
        screen.Frames.Should().Contain(f => f.Contains("STEP", StringComparison.Ordinal) && f.Contains("running", StringComparison.Ordinal) && TerminalCapture.HasSpinner(f),
            "while services install, a row shows a turning spinner and the state 'running'");
        var final = screen.Last;
        foreach (var row in new[] { "db@debian", "api@bclinux", "api@centos", "web@centos" })
        {
            final.Split('\n').Should().Contain(l => l.Contains(row, StringComparison.Ordinal) && l.Contains("done", StringComparison.Ordinal) && l.Contains('✓'), $"{row} ends done in the final table");
        }

        final.Should().Contain("release 1: install lc-cli-tty 1.0.0 succeeded").And.NotContain("running", "nothing is left spinning");
        TerminalCapture.HasSpinner(final).Should().BeFalse();

        var redirected = await DeployAsync(["status", .. common]);
        redirected.ExitCode.Should().Be(0);
        (redirected.Output + redirected.Error).Should().NotContain("\u001b", "redirected output gets plain lines");
        var delete = await DeployAsync(["delete", .. common]);
        delete.ExitCode.Should().Be(0);
        delete.Output.Should().NotContain("\u001b").And.Contain("release 2: delete");
    }
}
