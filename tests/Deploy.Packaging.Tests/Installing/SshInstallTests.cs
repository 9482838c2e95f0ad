using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Packaging.Installing;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Installing;

/// <summary>The installer over a real SSH connection (sshd on 127.0.0.1 from the shared fixture). The "remote"
/// file system is this machine's, so the install base is a unique temp folder.</summary>
[Trait("Category", "Integration")]
public sealed class SshInstallTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task Agent_package_installs_updates_and_rolls_back_over_ssh()
    {
        using var dir = new TempDirectory("deploy-pkg-ssh");
        await using var host = ssh.Server.CreateHost();
        var installBase = dir.Combine("remote", "opt", "rdb");
        var options = new PackageInstallOptions { InstallBase = installBase, WorkDirectory = dir.Path };
        var v1 = await TestPackages.BuildAsync(TestPackages.Agent("agent_ssh_1", TestPackages.AgentPayload(dir.Path, "v1")), dir.Combine("o1"));
        var first = await new PackageInstaller(host, options).InstallAsync(v1);

        (await File.ReadAllTextAsync(Path.Combine(installBase, "agent", "current", "tools", "version.txt"))).Should().Be("v1\n");
        File.GetUnixFileMode(Path.Combine(installBase, "agent", "current", "tools", "agent.sh")).Should().HaveFlag(UnixFileMode.UserExecute);

        var badPayload = TestPackages.AgentPayload(dir.Path, "v2");
        await File.WriteAllTextAsync(Path.Combine(badPayload, "tools", "restart"), "echo 'cannot start' >&2; exit 7\n");
        var v2 = await TestPackages.BuildAsync(TestPackages.Agent("agent_ssh_2", badPayload), dir.Combine("o2"));

        var failing = () => new PackageInstaller(host, options).InstallAsync(v2);

        var ex = (await failing.Should().ThrowAsync<DeployException>()).Which;
        ex.Path.Should().Be("restart");
        ex.Host.Should().Be(host.Name);
        new FileInfo(Path.Combine(installBase, "agent", "current")).LinkTarget.Should().Be("releases/" + first.ReleaseName);
        Directory.EnumerateDirectories(Path.Combine(installBase, "agent", "releases")).Should().ContainSingle();
    }

    [Fact]
    public async Task Running_processes_are_found_and_stopped_with_force_over_ssh()
    {
        using var dir = new TempDirectory("deploy-pkg-ssh");
        await using var host = ssh.Server.CreateHost();
        var installBase = dir.Combine("remote", "opt", "rdb");
        var options = new PackageInstallOptions { InstallBase = installBase, WorkDirectory = dir.Path };
        await new PackageInstaller(host, options).InstallAsync(await TestPackages.BuildAsync(TestPackages.Agent("agent_p1", TestPackages.AgentPayload(dir.Path, "v1")), dir.Combine("o1")));
        var daemon = Path.Combine(installBase, "agent", "current", "tools", "agentd");
        File.Copy("/bin/sleep", daemon);
        using var process = Process.Start(daemon, "300");
        try
        {
            var v2 = await TestPackages.BuildAsync(TestPackages.Agent("agent_p2", TestPackages.AgentPayload(dir.Path, "v2")), dir.Combine("o2"));

            var plain = () => new PackageInstaller(host, options).InstallAsync(v2);
            (await plain.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ProcessesRunning && e.Message.Contains("agentd", StringComparison.Ordinal));

            var forced = await new PackageInstaller(host, options).InstallAsync(v2, force: true);

            forced.StoppedProcesses.Select(p => p.Pid).Should().Contain(process.Id);
            process.WaitForExit(5000).Should().BeTrue();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
