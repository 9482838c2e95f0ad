using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Services;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>Which service manager a target gets: systemd where it is PID 1, the process supervisor elsewhere, or the explicit choice.</summary>
public sealed class ServiceManagerSelectionTests
{
    [Theory]
    [InlineData("systemd\n", true)]
    [InlineData("/lib/systemd/systemd", true)]
    [InlineData("init\n", false)]
    [InlineData("tini", false)]
    [InlineData("systemd-journal", false)]
    [InlineData("", false)]
    public void Pid1_name_is_systemd_only_for_systemd_itself(string comm, bool expected)
        => ServiceManagerSelection.IsSystemd(comm).Should().Be(expected);

    [Fact]
    public async Task Auto_on_the_local_machine_follows_what_really_runs_as_pid_1()
    {
        await using var host = new LocalHost();
        var pid1IsSystemd = File.ReadAllText("/proc/1/comm").Trim() == "systemd";

        var manager = await ServiceManagerSelection.SelectAsync(host, "t", "/var/lib/deploy-sequence/t");

        manager.Should().BeOfType(pid1IsSystemd ? typeof(SystemdServiceManager) : typeof(ProcessSupervisor));
        (await ServiceManagerSelection.IsSystemdPid1Async(host)).Should().Be(pid1IsSystemd);
    }

    [Fact]
    public async Task Auto_on_a_sandbox_rooted_local_host_is_always_the_process_supervisor()
    {
        using var dir = new TempDirectory("deploy-svc");
        await using var host = LocalHost.Rooted(dir.Path);

        (await ServiceManagerSelection.SelectAsync(host, "t", "/var/lib/deploy-sequence/t")).Should().BeOfType<ProcessSupervisor>();
    }

    [Theory]
    [InlineData(ServiceManagerKind.Systemd, typeof(SystemdServiceManager))]
    [InlineData(ServiceManagerKind.ProcessSupervisor, typeof(ProcessSupervisor))]
    public async Task An_explicit_choice_overrides_detection(ServiceManagerKind kind, Type expected)
    {
        using var dir = new TempDirectory("deploy-svc");
        await using var host = LocalHost.Rooted(dir.Path);

        var applier = await SequenceApplier.ForHostAsync(host, new TargetDefinition("t"), kind);

        applier.Services.Should().BeOfType(expected);
    }
}

/// <summary>Detection over SSH reads the remote PID 1 (the test sshd runs on this machine, so it must agree with /proc/1/comm here).</summary>
[Trait("Category", "Integration")]
public sealed class ServiceManagerSelectionSshTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task Auto_over_ssh_detects_the_remote_pid_1()
    {
        await using var host = ssh.Server.CreateHost();
        var pid1IsSystemd = File.ReadAllText("/proc/1/comm").Trim() == "systemd";

        (await ServiceManagerSelection.IsSystemdPid1Async(host)).Should().Be(pid1IsSystemd);
        (await SequenceApplier.ForHostAsync(host, new TargetDefinition("t"))).Services.Should().BeOfType(pid1IsSystemd ? typeof(SystemdServiceManager) : typeof(ProcessSupervisor));
    }
}
