using System.Diagnostics;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Tests.Installing;

namespace Deploy.Packaging.Tests.Building;

/// <summary>The generated ./install, run the way a user runs it: tar -zxvf the package, cd into it, ./install [-f].
/// DEPLOY_ROOT points every target path into a sandbox.</summary>
[Trait("Category", "Integration")]
public class LauncherScriptTests
{
    private static async Task<string> UnpackAsync(InstallSandbox box, PackageBuilder builder)
    {
        var pkg = await TestPackages.BuildAsync(builder, box.Dir.Combine("out-" + builder.PackageName));
        var x = box.Dir.Combine("unpacked-" + builder.PackageName);
        Directory.CreateDirectory(x);
        var r = await TestPackages.RunAsync("tar", "-zxf", pkg, "-C", x);
        r.Exit.Should().Be(0, r.Err);
        return Path.Combine(x, builder.PackageName);
    }

    private static Task<(int Exit, string Out, string Err)> InstallAsync(InstallSandbox box, string dir, params string[] args)
        => TestPackages.RunInAsync(dir, new Dictionary<string, string>
        {
            ["DEPLOY_ROOT"] = box.Root,
            ["OS_RELEASE_FILE"] = Path.Combine(box.Root, "etc", "os-release"),
        }, Path.Combine(dir, "install"), args);

    [Fact]
    public async Task Help_prints_the_rdb_usage()
    {
        using var box = new InstallSandbox();
        var dir = await UnpackAsync(box, TestPackages.Agent("agent_h", TestPackages.AgentPayload(box.Dir.Path)));

        var r = await InstallAsync(box, dir, "--help");

        r.Exit.Should().Be(0);
        r.Out.Should().Be("usage: install [-h] [-f]\n\ntools installer or updater\n\noptional arguments:\n  -h, --help   show this help message and exit\n  -f, --force  force install or update\n");
        (await InstallAsync(box, dir, "--bogus")).Exit.Should().Be(2);
    }

    [Fact]
    public async Task Install_then_update_switches_current_and_runs_the_restart_hook()
    {
        using var box = new InstallSandbox();
        var first = await UnpackAsync(box, TestPackages.Agent("agent_a", TestPackages.AgentPayload(box.Dir.Path, "v1")));
        var r1 = await InstallAsync(box, first);
        r1.Exit.Should().Be(0, r1.Err);
        var payload = TestPackages.AgentPayload(box.Dir.Path, "v2");
        await File.WriteAllTextAsync(Path.Combine(payload, "tools", "restart"), "cat tools/version.txt > \"$DEPLOY_ROOT/opt/rdb/agent/restarted\"\n");
        var second = await UnpackAsync(box, TestPackages.Agent("agent_b", payload).WithType(PackageType.InstallUpdateAgent));

        var r2 = await InstallAsync(box, second);

        r2.Exit.Should().Be(0, r2.Err);
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v2\n");
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "restarted"))).Should().Be("v2\n");
        box.CurrentTarget().Should().StartWith("releases/agent_b-");
        Directory.EnumerateDirectories(Path.Combine(box.AgentRoot, "releases")).Should().HaveCount(2);
    }

    [Fact]
    public async Task A_failing_restart_puts_current_back()
    {
        using var box = new InstallSandbox();
        (await InstallAsync(box, await UnpackAsync(box, TestPackages.Agent("agent_a", TestPackages.AgentPayload(box.Dir.Path, "v1"))))).Exit.Should().Be(0);
        var before = box.CurrentTarget();
        var payload = TestPackages.AgentPayload(box.Dir.Path, "v2");
        await File.WriteAllTextAsync(Path.Combine(payload, "tools", "restart"), "exit 4\n");

        var r = await InstallAsync(box, await UnpackAsync(box, TestPackages.Agent("agent_b", payload)));

        r.Exit.Should().Be(1);
        r.Err.Should().Contain("step 'restart' failed").And.Contain("intact");
        box.CurrentTarget().Should().Be(before);
        Directory.EnumerateDirectories(Path.Combine(box.AgentRoot, "releases")).Should().ContainSingle();
    }

    [Fact]
    public async Task Os_release_mismatch_is_refused_with_both_sides_named()
    {
        using var box = new InstallSandbox("ubuntu", "22.04");
        var dir = await UnpackAsync(box, PackageBuilder.Create("agent_os").WithType(PackageType.InstallRdbAgent).WithOsRelease("bclinux,centos>=7").WithPayloadDirectory(TestPackages.AgentPayload(box.Dir.Path)));

        var r = await InstallAsync(box, dir);

        r.Exit.Should().Be(1);
        r.Err.Should().Contain("'bclinux,centos>=7'").And.Contain("'ubuntu' 22.04");
        Directory.Exists(box.AgentRoot).Should().BeFalse();
    }

    [Theory]
    [InlineData("centos", "7.9", "centos>=7", true)]
    [InlineData("centos", "6.10", "centos>=7", false)]
    [InlineData("bclinux", "21.10", "BCLinux, centos", true)]
    [InlineData("rhel", "7.10", "rhel>7.9", true)]
    public async Task Version_bounds_are_checked_like_the_library_does(string id, string version, string filter, bool ok)
    {
        using var box = new InstallSandbox(id, version);
        var dir = await UnpackAsync(box, PackageBuilder.Create("agent_v").WithType(PackageType.InstallRdbAgent).WithOsRelease(filter).WithPayloadDirectory(TestPackages.AgentPayload(box.Dir.Path)));

        var r = await InstallAsync(box, dir);

        (r.Exit == 0).Should().Be(ok, r.Err);
        OsReleaseFilter.Parse(filter).Matches(Core.Hosts.OsRelease.Parse($"ID={id}\nVERSION_ID={version}\n")).Should().Be(ok);
    }

    [Fact]
    public async Task Running_processes_block_install_and_dash_f_stops_them()
    {
        using var box = new InstallSandbox();
        (await InstallAsync(box, await UnpackAsync(box, TestPackages.Agent("agent_a", TestPackages.AgentPayload(box.Dir.Path, "v1"))))).Exit.Should().Be(0);
        var daemon = Path.Combine(box.AgentRoot, "current", "tools", "agentd");
        File.Copy("/bin/sleep", daemon);
        using var process = Process.Start(daemon, "300");
        try
        {
            var dir = await UnpackAsync(box, TestPackages.Agent("agent_b", TestPackages.AgentPayload(box.Dir.Path, "v2")));

            var plain = await InstallAsync(box, dir);

            plain.Exit.Should().Be(1);
            plain.Err.Should().Contain(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("agentd").And.Contain("./install -f");
            (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v1\n");

            var forced = await InstallAsync(box, dir, "-f");

            forced.Exit.Should().Be(0, forced.Err);
            process.WaitForExit(5000).Should().BeTrue();
            (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v2\n");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task A_damaged_payload_is_refused_by_its_checksum()
    {
        using var box = new InstallSandbox();
        var dir = await UnpackAsync(box, TestPackages.Agent("agent_d", TestPackages.AgentPayload(box.Dir.Path)));
        await using (var fs = new FileStream(Path.Combine(dir, "package.tar.gz"), FileMode.Open))
        {
            fs.Position = 20;
            fs.WriteByte(0x42);
        }

        var r = await InstallAsync(box, dir);

        r.Exit.Should().Be(1);
        r.Err.Should().Contain("checksum mismatch");
        Directory.Exists(box.AgentRoot).Should().BeFalse();
    }
}
