using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Operations.Journaling;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests.Installing;

public class PackageInstallerTests
{
    private static async Task<string> AgentPackageAsync(InstallSandbox box, string name, string marker, string? restartScript = null, PackageType? type = null)
    {
        var payload = TestPackages.AgentPayload(box.Dir.Path, marker);
        if (restartScript is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(payload, "tools", "restart"), restartScript);
        }

        var builder = TestPackages.Agent(name, payload);
        if (type is { } t)
        {
            builder = builder.WithType(t);
        }

        return await TestPackages.BuildAsync(builder, box.Dir.Combine("out-" + name));
    }

    [Fact]
    public async Task Agent_package_installs_into_a_new_release_and_switches_current()
    {
        using var box = new InstallSandbox();
        var pkg = await AgentPackageAsync(box, "agent_1", "v1");

        var result = await box.Installer().InstallAsync(pkg);

        result.InstallRoot.Should().Be("/opt/rdb/agent");
        result.Steps.Should().Equal("stage files", "switch current", "restart");
        box.CurrentTarget().Should().Be("releases/" + result.ReleaseName);
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v1\n");
        File.Exists(Path.Combine(box.AgentRoot, "current", "fsbackup_kernel_4.x", "fsbackup.ko")).Should().BeTrue();
        File.GetUnixFileMode(Path.Combine(box.AgentRoot, "current", "tools", "agent.sh")).Should().HaveFlag(UnixFileMode.UserExecute);
        File.Exists(box.Real(PackageInstallRecord.JournalPath("/opt/rdb/agent"))).Should().BeFalse();
        File.Exists(box.Real(PackageInstallRecord.LockPath("/opt/rdb/agent"))).Should().BeFalse("the lock is released");
    }

    [Fact]
    public async Task An_update_replaces_current_and_restarts_the_tool_from_the_new_release()
    {
        using var box = new InstallSandbox();
        await box.Installer().InstallAsync(await AgentPackageAsync(box, "agent_1", "v1"));
        var restart = "#!/bin/sh\ncat tools/version.txt > \"${DEPLOY_ROOT:-}/opt/rdb/agent/restarted-with\"\n";

        var result = await box.Installer().InstallAsync(await AgentPackageAsync(box, "update_agent_2", "v2", restart, PackageType.InstallUpdateAgent));

        result.PreviousRelease.Should().StartWith("agent_1-");
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v2\n");
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "restarted-with"))).Should().Be("v2\n");
        Directory.Exists(Path.Combine(box.AgentRoot, "releases", result.PreviousRelease!)).Should().BeTrue("the previous release is kept for rollback");
    }

    [Fact]
    public async Task A_failing_restart_rolls_back_to_the_previous_release_and_names_the_step()
    {
        using var box = new InstallSandbox();
        var first = await box.Installer().InstallAsync(await AgentPackageAsync(box, "agent_1", "v1"));
        var pkg = await AgentPackageAsync(box, "agent_2", "v2", "#!/bin/sh\necho 'agent failed to start' >&2\nexit 3\n");

        var act = () => box.Installer().InstallAsync(pkg);

        var ex = (await act.Should().ThrowAsync<DeployException>()).Which;
        ex.Code.Should().Be(DeployErrorCode.InstallFailed);
        ex.Path.Should().Be("restart");
        ex.Message.Should().Contain("step 'restart'").And.Contain("agent failed to start").And.Contain("is intact");
        box.CurrentTarget().Should().Be("releases/" + first.ReleaseName);
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v1\n");
        Directory.EnumerateDirectories(Path.Combine(box.AgentRoot, "releases")).Select(Path.GetFileName).Should().Equal(first.ReleaseName);
        File.Exists(box.Real(PackageInstallRecord.JournalPath("/opt/rdb/agent"))).Should().BeFalse();
        File.Exists(box.Real(PackageInstallRecord.LockPath("/opt/rdb/agent"))).Should().BeFalse("the lock is released");
    }

    [Fact]
    public async Task Os_release_mismatch_lists_supported_ids_and_the_hosts_id()
    {
        using var box = new InstallSandbox("kylin", "10");
        var pkg = await TestPackages.BuildAsync(
            PackageBuilder.Create("server_1").WithType(PackageType.InstallRdbAgent).WithOsRelease("bclinux,centos").WithPayloadDirectory(TestPackages.AgentPayload(box.Dir.Path)),
            box.Dir.Combine("out"));

        var act = () => box.Installer().InstallAsync(pkg);

        (await act.Should().ThrowAsync<DeployException>()).Where(e =>
            e.Code == DeployErrorCode.OsReleaseMismatch && e.Message.Contains("'bclinux,centos'", StringComparison.Ordinal) && e.Message.Contains("'kylin' 10", StringComparison.Ordinal));
        Directory.Exists(box.AgentRoot).Should().BeFalse("nothing is touched before the checks pass");
    }

    [Fact]
    public async Task Running_agent_processes_block_a_plain_install_and_force_stops_them()
    {
        using var box = new InstallSandbox();
        var first = await box.Installer().InstallAsync(await AgentPackageAsync(box, "agent_1", "v1"));
        var daemon = Path.Combine(box.AgentRoot, "current", "tools", "agentd");
        File.Copy("/bin/sleep", daemon);
        using var process = Process.Start(daemon, "300");
        try
        {
            var pkg = await AgentPackageAsync(box, "agent_2", "v2");

            var plain = () => box.Installer().InstallAsync(pkg);

            var ex = (await plain.Should().ThrowAsync<DeployException>()).Which;
            ex.Code.Should().Be(DeployErrorCode.ProcessesRunning);
            ex.Message.Should().Contain(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("agentd").And.Contain("-f");
            box.CurrentTarget().Should().Be("releases/" + first.ReleaseName);

            var forced = await box.Installer().InstallAsync(pkg, force: true);

            forced.StoppedProcesses.Select(p => p.Pid).Should().Contain(process.Id);
            (await process.WaitForExitAsync(new CancellationTokenSource(5000).Token).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default)).Should().BeTrue();
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
    public async Task A_crashed_install_found_in_the_journal_is_rolled_back_by_the_next_run()
    {
        using var box = new InstallSandbox();
        var first = await box.Installer().InstallAsync(await AgentPackageAsync(box, "agent_1", "v1"));
        // Simulate a crash after staging and switching, before the restart finished.
        var crashed = "agent_9-20250101000000000";
        Directory.CreateDirectory(Path.Combine(box.AgentRoot, "releases", crashed, "tools"));
        File.Delete(Path.Combine(box.AgentRoot, "current"));
        File.CreateSymbolicLink(Path.Combine(box.AgentRoot, "current"), "releases/" + crashed);
        await new JournalStore(box.Host, PackageInstallRecord.JournalPath("/opt/rdb/agent")).WriteAsync(new OperationJournal<PackageInstallRecord>
        {
            Kind = PackageInstallRecord.Kind,
            Id = "crashed",
            Started = DateTimeOffset.UnixEpoch,
            Steps = [new("stage files", StepState.Completed), new("switch current", StepState.Completed), new("restart", StepState.Pending)],
            Payload = new PackageInstallRecord("agent_9", "install_rdb_agent", crashed, first.ReleaseName),
        });

        var result = await box.Installer().InstallAsync(await AgentPackageAsync(box, "agent_2", "v2"));

        result.RecoveredJournal.Should().BeTrue();
        result.PreviousRelease.Should().Be(first.ReleaseName, "the crashed install was rolled back to the release before it");
        Directory.Exists(Path.Combine(box.AgentRoot, "releases", crashed)).Should().BeFalse();
        (await File.ReadAllTextAsync(Path.Combine(box.AgentRoot, "current", "tools", "version.txt"))).Should().Be("v2\n");
    }

    [Fact]
    public async Task A_tampered_package_is_refused_before_anything_on_the_host_changes()
    {
        using var box = new InstallSandbox();
        var pkg = await AgentPackageAsync(box, "agent_1", "v1");
        var bytes = await File.ReadAllBytesAsync(pkg);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(pkg, bytes);

        var act = () => box.Installer().InstallAsync(pkg);

        await act.Should().ThrowAsync<DeployException>();
        Directory.Exists(box.AgentRoot).Should().BeFalse();
    }

    [Fact]
    public async Task Old_releases_beyond_the_keep_count_are_pruned()
    {
        using var box = new InstallSandbox();
        var installer = box.Installer(new PackageInstallOptions { KeepReleases = 2 });
        for (var i = 1; i <= 4; i++)
        {
            await installer.InstallAsync(await AgentPackageAsync(box, $"agent_{i}", $"v{i}"));
        }

        Directory.EnumerateDirectories(Path.Combine(box.AgentRoot, "releases")).Select(Path.GetFileName).Should().HaveCount(2)
            .And.OnlyContain(n => n!.StartsWith("agent_3-", StringComparison.Ordinal) || n.StartsWith("agent_4-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_registered_team_type_installs_with_its_strategy()
    {
        using var box = new InstallSandbox();
        var mine = new PackageType("install_billing_tool");
        var registry = PackageTypeRegistry.Default.With(mine, "billing", StagedInstallStrategy.Tools("billing", checkProcesses: false), "billing");
        var pkg = await TestPackages.BuildAsync(TestPackages.Agent("billing_1", TestPackages.AgentPayload(box.Dir.Path)).WithType(mine).WithRegistry(registry), box.Dir.Combine("out"));

        var result = await box.Installer(new PackageInstallOptions { Registry = registry }).InstallAsync(pkg);

        result.InstallRoot.Should().Be("/opt/rdb/billing");
        File.Exists(Path.Combine(box.Root, "opt", "rdb", "billing", "current", "tools", "version.txt")).Should().BeTrue();
        var unknown = () => box.Installer().InstallAsync(pkg);
        (await unknown.Should().ThrowAsync<DeployException>()).Where(e => e.Path == "package_type");
    }
}
