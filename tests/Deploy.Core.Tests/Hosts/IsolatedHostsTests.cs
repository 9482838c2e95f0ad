using System.Globalization;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Inventory;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Hosts;

/// <summary>
/// The isolated test hosts fixture, proven against the real thing: three sshd hosts in their own mount and PID
/// namespaces (centos 7, bclinux 8.8, debian 12), driven through the real <see cref="SshHost"/>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IsolatedHostsTests : IClassFixture<IsolatedHostsFixture>
{
    private readonly IsolatedHosts _hosts;
    private readonly ITestOutputHelper _output;

    public IsolatedHostsTests(IsolatedHostsFixture fixture, ITestOutputHelper output)
    {
        _hosts = fixture.Hosts;
        _output = output;
        fixture.Report(output);
    }

    public static TheoryData<string> HostNames => new() { "centos", "bclinux", "debian" };

    [Fact]
    public async Task A_file_written_on_one_host_is_absent_on_the_others_and_on_this_machine()
    {
        _hosts.RequireIsolation();
        await using var a = _hosts["centos"].CreateHost();
        await using var b = _hosts["bclinux"].CreateHost();
        await using var c = _hosts["debian"].CreateHost();
        var name = "/opt/only-on-a-" + Guid.NewGuid().ToString("N")[..8];

        await a.WriteFileAsync(name, new MemoryStream("a"u8.ToArray()));
        await a.WriteFileAsync("/tmp/only-on-a", new MemoryStream("a"u8.ToArray()));

        (await a.StatAsync(name)).Should().NotBeNull();
        (await b.StatAsync(name)).Should().BeNull("host B has its own /opt");
        (await c.StatAsync(name)).Should().BeNull("host C has its own /opt");
        (await b.StatAsync("/tmp/only-on-a")).Should().BeNull("host B has its own /tmp");
        File.Exists(name).Should().BeFalse("this machine's /opt is not the host's");
    }

    [Fact]
    public async Task A_process_started_on_one_host_is_invisible_on_another_whose_ps_sees_only_its_own()
    {
        _hosts.RequireIsolation();
        await using var a = _hosts["centos"].CreateHost();
        await using var b = _hosts["debian"].CreateHost();
        var seconds = (3000 + Random.Shared.Next(5000)).ToString(CultureInfo.InvariantCulture);

        var pid = (await a.RunAsync(CommandSpec.Of("sh", "-c", "setsid sleep \"$1\" </dev/null >/dev/null 2>&1 & echo $!", "sh", seconds)).ThrowOnFailure()).StandardOutput.Trim();
        try
        {
            (await a.FindProcessesAsync(ProcessQuery.ByCommandLine("sleep " + seconds))).Should().ContainSingle();
            (await b.FindProcessesAsync(ProcessQuery.ByCommandLine("sleep " + seconds))).Should().BeEmpty("host B has its own PID namespace");
            ProcStat.All().Where(s => !s.IsZombie).Should().Contain(s => Cmdline(s.Pid) == "sleep\0" + seconds + "\0", "the process is real: this machine sees every namespace");

            var ps = (await b.RunAsync(CommandSpec.Of("ps", "-e", "-o", "pid=,comm="))).ThrowOnFailure().StandardOutput;
            _output.WriteLine("ps on B:\n" + ps);
            var processes = ps.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).ToList();
            processes.Should().Contain(p => p[0] == "1" && p[1] == "sshd", "B's init is its sshd");
            processes.Select(p => p[1]).Should().OnlyContain(n => n == "sshd" || n == "sh" || n == "bash" || n == "ps", "B sees only its own sshd and sessions");
        }
        finally
        {
            await a.RunAsync(CommandSpec.Of("kill", pid));
        }
    }

    [Fact]
    public async Task Each_host_reports_its_own_os_release()
    {
        _hosts.RequireIsolation();
        var reported = new List<OsRelease>();
        foreach (var h in _hosts.Hosts)
        {
            await using var host = h.CreateHost();
            reported.Add(await host.GetOsReleaseAsync());
        }

        reported.Select(r => (r.Id, r.VersionId)).Should().Equal(("centos", "7"), ("bclinux", "8.8"), ("debian", "12"));
        reported[1].IdLike.Should().Contain("rhel");
    }

    [Fact]
    public async Task The_non_root_user_runs_sudo_with_its_password_and_is_refused_without_it_or_with_a_wrong_one()
    {
        _hosts.RequireIsolation();
        var h = _hosts["bclinux"];
        await using var host = h.CreateUserHost();

        (await host.RunAsync(CommandSpec.Of("id", "-un"))).ThrowOnFailure().StandardOutput.Trim().Should().Be(h.User);
        var withPassword = await host.RunAsync(Sudo(h.Password!, "id", "-u"));
        var withoutPassword = await host.RunAsync(CommandSpec.Of("sudo", "-n", "id", "-u"));
        var wrongPassword = await host.RunAsync(Sudo("not-" + h.Password, "id", "-u"));

        withPassword.ExitCode.Should().Be(0, withPassword.StandardError);
        withPassword.StandardOutput.Trim().Should().Be("0");
        withoutPassword.ExitCode.Should().NotBe(0);
        withoutPassword.StandardError.Should().Contain("password is required");
        wrongPassword.ExitCode.Should().NotBe(0);
        wrongPassword.StandardOutput.Should().NotContain("0", "the command never ran");
        (await host.RunAsync(CommandSpec.Of("sudo", "-n", "true"))).ExitCode.Should().NotBe(0, "sudo never caches the password (timestamp_timeout=0)");
    }

    [Theory]
    [MemberData(nameof(HostNames))]
    public async Task SshHost_uploads_and_runs_commands_as_root_and_as_the_sudo_user(string name)
    {
        var h = _hosts[name];
        using var dir = new TempDirectory("iso-upload");
        var small = dir.WriteFile("app/run.sh", "#!/bin/sh\necho \"run on $(hostname) as $(id -un): $1\"\n");
        var big = dir.WriteFile("app/data.bin", new string('x', 300_000));
        await using var root = h.CreateHost();
        await using var user = h.CreateUserHost();

        var summary = await root.UploadAsync([new FileUpload(small, "/opt/app/run.sh") { Mode = (UnixFileMode)0b111_101_101 }, new FileUpload(big, "/opt/app/data.bin")]);
        await user.UploadAsync([new FileUpload(small, $"/home/{h.User}/app/run.sh") { Mode = (UnixFileMode)0b111_101_101 }]);

        summary.Files.Should().Be(2);
        (await root.RunAsync(CommandSpec.Of("/opt/app/run.sh", "中文 $(x)"))).ThrowOnFailure().StandardOutput.Should().EndWith("as root: 中文 $(x)\n");
        (await root.StatAsync("/opt/app/data.bin"))!.Size.Should().Be(300_000);
        (await user.RunAsync(CommandSpec.Of($"/home/{h.User}/app/run.sh", "x"))).ThrowOnFailure().StandardOutput.Should().EndWith($"as {h.User}: x\n");
        (await user.RunAsync(CommandSpec.Of("touch", "/opt/app/not-mine"))).ExitCode.Should().NotBe(0, "the login user is not root");
        (await user.RunAsync(Sudo(h.Password!, "touch", "/opt/app/with-sudo"))).ThrowOnFailure();
        (await root.StatAsync("/opt/app/with-sudo"))!.Should().NotBeNull();
    }

    [Fact]
    public async Task The_inventory_yaml_reaches_every_host_through_HostInventory_and_the_default_host_factory()
    {
        _hosts.RequireIsolation();
        using var dir = new TempDirectory("iso-inventory");
        var path = await _hosts.WriteInventoryAsync(dir.Combine("inventory.yaml"));
        var inventory = await HostInventory.LoadAsync(path);
        var factory = new InventoryHostFactory();

        foreach (var spec in IsolatedHostSpec.ThreeDistributions)
        {
            await using var host = factory.Create(inventory.Hosts.Single(h => h.Name == spec.Name));
            var os = await host.GetOsReleaseAsync();
            os.Id.Should().Be(OsRelease.Parse(spec.OsRelease).Id, "each host has its own os-release");
        }
    }

    private static CommandSpec Sudo(string password, params string[] argv) =>
        CommandSpec.Of(["sudo", "-S", "-p", "", .. argv]) with
        {
            StandardInput = new MemoryStream(Encoding.UTF8.GetBytes(password + "\n")),
            Secrets = [password],
        };

    private static string Cmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }
}
