using Deploy.Core.Hosts;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;
using Deploy.Testing.Kill;

namespace Deploy.Packaging.Tests.Installing;

/// <summary>
/// Real SIGKILL of an agent update (v1 installed, v2 installing) in a child process at every step boundary, then the
/// next run on the same target: the target must be entirely v1 after the rollback, and entirely v2 after the next
/// install (files, <c>current</c>, the restarted tool, journal and lock), never a mix.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InstallKillTests
{
    private const string Root = "/opt/rdb/agent";
    private const string Restart = "#!/bin/sh\ncat tools/version.txt > \"${DEPLOY_ROOT:-}/opt/rdb/agent/restarted-with\"\n";

    /// <summary>Every boundary of the agent install: before each of its steps, and after the last.</summary>
    public static TheoryData<int, string, bool> Boundaries()
    {
        var data = new TheoryData<int, string, bool>();
        string[] steps = ["stage_files", "switch_current", "restart", "end"];
        for (var i = 0; i < steps.Length; i++)
        {
            data.Add(i, steps[i], true);
            data.Add(i, steps[i], false);
        }

        return data;
    }

    [Fact]
    public void The_boundaries_killed_are_every_boundary_of_the_agent_install()
    {
        var context = new InstallContext(new LocalHost(), Root, "r", null, new PackageInstallOptions());
        var steps = StagedInstallStrategy.Tools("agent", checkProcesses: true).CreateSteps(context).Select(s => s.Name.Replace(' ', '_')).ToList();

        Boundaries().Select(row => (string)row[1]).Distinct().Should().Equal([.. steps, "end"]);
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public async Task Install_killed_at_a_step_boundary_is_rolled_back_to_the_old_release_then_installed_whole_by_the_next_run(int boundary, string step, bool recoverFirst)
    {
        using var box = new InstallSandbox();
        var v1 = await box.Installer().InstallAsync(await PackageAsync(box, "agent_1", "v1"));
        var v2 = await PackageAsync(box, "agent_2", "v2");

        var killed = await KillHarness.KillAtBoundaryAsync(OperationChild.Command("package-install", box.Root, v2, box.Dir.Path), boundary);

        killed.Step.Should().Be(step);
        var stale = await new HostLock(box.Host, PackageInstallRecord.LockPath(Root)).ReadAsync();
        stale!.Holder.ProcessId.Should().Be(killed.ProcessGroupId, "SIGKILL runs no finally block: the lock stays");
        (await new JournalStore(box.Host, PackageInstallRecord.JournalPath(Root)).ReadAsync<PackageInstallRecord>(PackageInstallRecord.Kind))!
            .CompletedCount.Should().Be(boundary, "the journal records every step done before the boundary");

        InstallResult again;
        if (recoverFirst)
        {
            var recovery = await box.Installer().RecoverAsync(PackageType.InstallRdbAgent);

            recovery.RolledBack.Should().BeTrue();
            recovery.TakenOverLock!.Reason.Should().Be(LockTakeoverReason.HolderDead);
            recovery.TakenOverLock.Previous.ProcessId.Should().Be(killed.ProcessGroupId);
            AssertWhole(box, v1.ReleaseName, "v1", [v1.ReleaseName]);
            again = await box.Installer().InstallAsync(v2);
            again.RecoveredJournal.Should().BeFalse();
            again.TakenOverLock.Should().BeNull();
        }
        else
        {
            again = await box.Installer().InstallAsync(v2);
            again.RecoveredJournal.Should().BeTrue();
            again.TakenOverLock!.Previous.ProcessId.Should().Be(killed.ProcessGroupId, "the dead child's lock is taken over with a note, not refused");
        }

        again.PreviousRelease.Should().Be(v1.ReleaseName);
        AssertWhole(box, again.ReleaseName, "v2", [v1.ReleaseName, again.ReleaseName]);
    }

    /// <summary>The target is exactly one release: current, its files, the tool restarted from it, nothing pending.</summary>
    private static void AssertWhole(InstallSandbox box, string release, string version, string[] releases)
    {
        box.CurrentTarget().Should().Be("releases/" + release);
        File.ReadAllText(Path.Combine(box.AgentRoot, "current", "tools", "version.txt")).Should().Be(version + "\n");
        File.ReadAllText(Path.Combine(box.AgentRoot, "restarted-with")).Should().Be(version + "\n", "the running tool is the one current points to");
        Directory.EnumerateFileSystemEntries(Path.Combine(box.AgentRoot, "releases")).Select(Path.GetFileName).Should().BeEquivalentTo(releases, "no staging folder or half release is left");
        File.Exists(box.Real(PackageInstallRecord.JournalPath(Root))).Should().BeFalse();
        File.Exists(box.Real(PackageInstallRecord.LockPath(Root))).Should().BeFalse();
        Directory.EnumerateFiles(box.AgentRoot, "*deploy-tmp*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    private static async Task<string> PackageAsync(InstallSandbox box, string name, string marker)
    {
        var payload = TestPackages.AgentPayload(box.Dir.Combine("payload-" + name), marker);
        await File.WriteAllTextAsync(Path.Combine(payload, "tools", "restart"), Restart);
        return await TestPackages.BuildAsync(TestPackages.Agent(name, payload), box.Dir.Combine("out-" + name));
    }
}
