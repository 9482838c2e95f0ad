using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Core.Sequence.State;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// An exception thrown at every step boundary in turn (the apply fails in-process: its finally block still
/// releases the lock and discards staged state); the next apply must complete the failed one. Real kills, where
/// nothing is released, are <see cref="RealKillTests"/>.
/// </summary>
public sealed class StepFailureRecoveryTests
{
    /// <summary>Throws at boundary <c>index</c> (before step <c>index</c>) or, with <c>after</c>, at the next one.</summary>
    private sealed class CrashAt(int index, bool after) : IOperationObserver
    {
        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
            => boundary.Index == index + (after ? 1 : 0) ? throw new InvalidOperationException($"injected crash {(after ? "after" : "before")} step {index}") : Task.CompletedTask;
    }

    public static TheoryData<int, bool> Boundaries()
    {
        // The exos-data.conf change plan has 12 steps (3 stops, transfer, 3 startups, start, wait, 2 starts, commit).
        var data = new TheoryData<int, bool>();
        for (var i = 0; i < 12; i++)
        {
            data.Add(i, false);
            data.Add(i, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public async Task Apply_failing_with_an_exception_at_a_step_boundary_is_completed_by_the_next_apply(int step, bool after)
    {
        await using var box = new SequenceSandbox();
        await box.ApplyAsync(box.Target().Build());
        box.WriteSource("data/exos-data.conf", "loglevel=debug\n");
        var target = box.Target().Build();
        (await box.PlanAsync(target)).Steps.Should().HaveCount(12);

        var crash = async () => await box.ApplyAsync(target, new ApplyOptions { Observer = new CrashAt(step, after) });
        await crash.Should().ThrowAsync<InvalidOperationException>();

        var recovery = await box.ApplyAsync(target);

        if (after && step == 11)
        {
            recovery.Resumed.Should().BeNull("the commit renamed the state and closed the journal in one step");
            recovery.Plan.IsEmpty.Should().BeTrue();
        }
        else
        {
            recovery.Resumed.Should().NotBeNull("the journal carries the interrupted apply");
            var done = after ? step + 1 : step;
            if (done == 0)
            {
                recovery.Plan.Decisions.Single(d => d.Component == "DataConnection").Reasons.Should().Contain("completing an interrupted restart");
            }
            else
            {
                // The failure was in-process: the journal recorded every step before it, and the re-run resumes there.
                recovery.Plan.CompletedSteps.Should().Be(done);
                recovery.Plan.Pending.Should().Contain($"resumes at step {done + 1}");
                recovery.ServiceActions.Should().Equal(recovery.Plan.Steps.Skip(done)
                    .Where(s => s.Kind is StepKind.StopService or StepKind.RunService or StepKind.StartService or StepKind.WaitStartupTimeout)
                    .Select(s => s.Describe()), "nothing that completed runs again");
                recovery.FilesTransferred.Should().Be(done > 3 ? 0 : 1);
            }
        }
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
        File.ReadAllText(box.TargetFile(box.T("/opt/exos/exos-data.conf"))).Should().Be("loglevel=debug\n");
        File.ReadAllText(box.TargetFile(box.T("/etc/exos-data.conf"))).Should().Be("loglevel=debug\n", "new files never stay with old services: the startup ran");
        foreach (var c in new[] { "DataConnection", "Types", "Logger" })
        {
            (await box.IsRunningAsync(c)).Should().BeTrue(c + " runs after recovery");
        }

        File.Exists(box.TargetFile(box.StateDirectory + "/control/journal.json")).Should().BeFalse();
        File.Exists(box.TargetFile(box.StateDirectory + "/control/lock")).Should().BeFalse();
        new FileInfo(box.TargetFile(box.StateDirectory + "/control/lock")).LinkTarget.Should().BeNull();
    }

    [Fact]
    public async Task A_file_reverted_after_an_interrupted_transfer_is_sent_again_by_the_recovery()
    {
        await using var box = new SequenceSandbox();
        await box.ApplyAsync(box.Target().Build());
        var source = Path.Combine(box.Source, "data/exos-data.conf");
        var (oldText, oldTime) = (File.ReadAllText(source), File.GetLastWriteTimeUtc(source));
        box.WriteSource("data/exos-data.conf", "loglevel=TRACE\n");
        var target = box.Target().Build();
        var transfer = (await box.PlanAsync(target)).Steps.Single(s => s.Kind == StepKind.TransferFiles).Index;
        var crash = async () => await box.ApplyAsync(target, new ApplyOptions { Observer = new CrashAt(transfer, after: true) });
        await crash.Should().ThrowAsync<InvalidOperationException>();
        File.ReadAllText(box.TargetFile(box.T("/opt/exos/exos-data.conf"))).Should().Be("loglevel=TRACE\n");

        // Back to exactly what the state records: only the journal says the target's copy is no longer that.
        File.WriteAllText(source, oldText);
        SequenceSandbox.SetMtime(source, oldTime);
        var recovery = await box.ApplyAsync(target);

        recovery.Resumed!.TransferredPaths.Should().Equal(box.T("/opt/exos/exos-data.conf"));
        File.ReadAllText(box.TargetFile(box.T("/opt/exos/exos-data.conf"))).Should().Be(oldText);
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task An_interrupted_first_deploy_journals_no_paths_and_the_next_apply_sends_every_file()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target().Build();
        var transfer = (await box.PlanAsync(target)).Steps.Single(s => s.Kind == StepKind.TransferFiles).Index;
        var crash = async () => await box.ApplyAsync(target, new ApplyOptions { Observer = new CrashAt(transfer, after: false) });
        await crash.Should().ThrowAsync<InvalidOperationException>();

        var recovery = await box.ApplyAsync(target);

        recovery.Resumed!.TransferredPaths.Should().BeEmpty("nothing was recorded at those paths, so any later plan sends them");
        recovery.FilesTransferred.Should().Be(4);
        File.Exists(box.TargetFile(box.T("/opt/types/types.py"))).Should().BeTrue();
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_failure_after_a_completed_transfer_resumes_without_sending_the_files_again()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target().Build();
        var transfer = (await box.PlanAsync(target)).Steps.Single(s => s.Kind == StepKind.TransferFiles).Index;
        var crash = async () => await box.ApplyAsync(target, new ApplyOptions { Observer = new CrashAt(transfer, after: true) });
        await crash.Should().ThrowAsync<InvalidOperationException>();

        var recovery = await box.ApplyAsync(target);

        recovery.Plan.CompletedSteps.Should().Be(transfer + 1);
        recovery.FilesTransferred.Should().Be(0, "the journal recorded the transfer as completed");
        File.Exists(box.TargetFile(box.T("/opt/types/types.py"))).Should().BeTrue();
        (await box.IsRunningAsync("Types")).Should().BeTrue();
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Staging_removes_staged_files_of_dead_processes_and_keeps_live_or_recent_ones()
    {
        await using var box = new SequenceSandbox();
        var store = new HostStateStore(box.Host, box.StateDirectory);
        int dead;
        using (var p = System.Diagnostics.Process.Start("true")!)
        {
            await p.WaitForExitAsync();
            dead = p.Id;
        }

        var tmp = Path.GetTempPath();
        var orphan = Path.Combine(tmp, $"deploy-state-{dead}-{Guid.NewGuid():N}.json");
        var recent = Path.Combine(tmp, $"deploy-state-{dead}-{Guid.NewGuid():N}.json");
        var live = Path.Combine(tmp, $"deploy-state-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        foreach (var f in new[] { orphan, recent, live })
        {
            File.WriteAllText(f, "{}");
        }

        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(live, DateTime.UtcNow.AddHours(-2));
        try
        {
            var staged = await store.StageStateAsync(new TargetState { Target = "t" });

            File.Exists(orphan).Should().BeFalse("its process is gone and it is old");
            File.Exists(recent).Should().BeTrue("it may belong to a process of another pid namespace");
            File.Exists(live).Should().BeTrue("its process is alive");
            await store.DiscardStagedStateAsync();
            File.Exists(staged!.LocalPath).Should().BeFalse();
        }
        finally
        {
            File.Delete(recent);
            File.Delete(live);
        }
    }

    [Fact]
    public async Task Concurrent_apply_is_refused_with_the_holder_named()
    {
        await using var box = new SequenceSandbox();
        await box.ApplyAsync(box.Target().Build());
        var store = new HostStateStore(box.Host, box.StateDirectory);
        var other = new LockHolder("build-server-7", 4242, "ci", "sequence-apply", DateTimeOffset.UnixEpoch, "abc");
        await store.AcquireLockAsync(other, breakStale: false);
        box.WriteSource("types/types.py", "changed");

        var act = async () => await box.ApplyAsync(box.Target().Build());

        (await act.Should().ThrowAsync<Errors.DeployException>()).Which.Should().Match<Errors.DeployException>(e =>
            e.Code == Errors.DeployErrorCode.LockHeld && e.Message.Contains("pid 4242 of ci on build-server-7"));
        await store.ReleaseLockAsync(other);
        (await box.ApplyAsync(box.Target().Build())).ServiceActions.Should().Contain("stop Types runtime#0");
    }
}

public sealed class ServiceFailureTests
{
    [Fact]
    public async Task Failing_startup_stops_the_apply_and_the_fixed_definition_completes_it_on_the_next_apply()
    {
        await using var box = new SequenceSandbox();
        await box.ApplyAsync(box.Target().Build());
        box.WriteSource("types/types.py", "new content");

        var failing = async () => await box.ApplyAsync(box.Target(typesServices: false, typesExtra: c => c.Startup("echo broken >&2; exit 3").Runtime(box.Runtime("Types"))).Build());

        var error = (await failing.Should().ThrowAsync<Errors.DeployException>()).Which;
        error.Code.Should().Be(Errors.DeployErrorCode.ServiceFailed);
        error.ExitCode.Should().Be(3);
        error.Message.Should().Contain("Types startup#0 exited with 3: broken");
        (await box.IsRunningAsync("Types")).Should().BeFalse("Types was stopped before its startup failed");

        var fixedResult = await box.ApplyAsync(box.Target().Build());

        fixedResult.Resumed.Should().NotBeNull();
        fixedResult.ServiceActions.Should().Equal("stop Types runtime#0", "run Types startup#0", "start Types runtime#0");
        File.ReadAllText(box.TargetFile(box.T("/home/user/types/types.py"))).Should().Be("new content");
        (await box.IsRunningAsync("Types")).Should().BeTrue();
        (await box.PlanAsync(box.Target().Build())).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Failing_service_with_ErrorHandling_Continue_is_reported_and_the_apply_goes_on()
    {
        await using var box = new SequenceSandbox();
        var warnings = new List<string>();
        var progress = new Collect(e => { if (e.Kind == SequenceEventKind.Warning) { warnings.Add(e.Message); } });

        var result = await box.ApplyAsync(box.Target(typesExtra: c => c.Startup("exit 4").WithErrorHandling(ErrorHandling.Continue)).Build(), progress: progress);

        warnings.Should().ContainSingle().Which.Should().Contain("Types startup#1 exited with 4");
        result.ServiceActions.Should().Contain("start Types runtime#0");
        (await box.IsRunningAsync("Types")).Should().BeTrue();
    }

    private sealed class Collect(Action<SequenceProgress> a) : IProgress<SequenceProgress>
    {
        public void Report(SequenceProgress value) => a(value);
    }
}

/// <summary>The SSH connection is cut (every sshd connection process killed) at a step boundary.</summary>
[Trait("Category", "Integration")]
public sealed class SshDropTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>
{
    private sealed class DropAt(int index, SshServer server) : IOperationObserver
    {
        public int Dropped { get; private set; }

        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
        {
            if (boundary.Index == index)
            {
                Dropped = server.KillAllConnections();
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_first_deploy_places_nothing_when_its_journal_cannot_be_written_and_the_next_apply_deploys_all()
    {
        await using var box = new SequenceSandbox(ssh.Server);
        var target = box.Target().Build();
        var store = new FailingJournalStore(new HostStateStore(box.Host, box.StateDirectory, box.Time));
        var applier = new SequenceApplier(store, new ProcessSupervisor(box.Host, box.StateDirectory), new Deploy.Core.Sync.HostFileTransport(box.Host), new SequenceApplierOptions { TimeProvider = box.Time });
        (await applier.PlanAsync(await DesiredTarget.ScanAsync(target))).Steps[0].Kind.Should().Be(StepKind.TransferFiles);

        var act = () => applier.ApplyAsync(target);

        (await act.Should().ThrowAsync<Errors.DeployException>()).Which.Message.Should().Be("disk full");
        File.Exists(box.TargetFile(box.T("/opt/exos/exos-data.conf"))).Should().BeFalse("the transfer waited for the journal, which failed");
        File.Exists(box.TargetFile(box.StateDirectory + "/control/lock")).Should().BeFalse();
        store.Fail = false;
        (await applier.ApplyAsync(target)).FilesTransferred.Should().Be(4);
        File.ReadAllText(box.TargetFile(box.T("/opt/exos/exos-data.conf"))).Should().NotBeEmpty();
    }

    private sealed class FailingJournalStore(ITargetStateStore inner) : ITargetStateStore
    {
        public bool Fail { get; set; } = true;

        public Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public Task WriteStateAsync(TargetState state, CancellationToken cancellationToken = default) => inner.WriteStateAsync(state, cancellationToken);

        public Task<Deploy.Core.Hosts.FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default) => inner.StageStateAsync(state, cancellationToken);

        public Task CommitStagedStateAsync(CancellationToken cancellationToken = default) => inner.CommitStagedStateAsync(cancellationToken);

        public Task DiscardStagedStateAsync(CancellationToken cancellationToken = default) => inner.DiscardStagedStateAsync(cancellationToken);

        public IJournalStore Journal => Fail ? new FailingJournal(inner.Journal) : inner.Journal;

        public Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default) => inner.AcquireLockAsync(holder, breakStale, cancellationToken);

        public Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default) => inner.ReleaseLockAsync(holder, cancellationToken);
    }

    /// <summary>A journal whose writes fail (after a delay, so a transfer's bytes are already travelling).</summary>
    private sealed class FailingJournal(IJournalStore inner) : IJournalStore
    {
        public string Location => inner.Location;

        public string Path => inner.Path;

        public Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default) => inner.ReadAsync<TPayload>(kind, cancellationToken);

        public async Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default)
        {
            await Task.Delay(300, cancellationToken);
            throw new Errors.DeployException(Errors.DeployErrorCode.RemoteIoFailed, "disk full");
        }

        public Task DeleteAsync(CancellationToken cancellationToken = default) => inner.DeleteAsync(cancellationToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(11)]
    public async Task Dropped_ssh_connection_at_a_step_boundary_leaves_a_target_the_next_apply_makes_consistent(int step)
    {
        await using var box = new SequenceSandbox(ssh.Server);
        await box.ApplyAsync(box.Target().Build());
        box.WriteSource("data/exos-data.conf", "loglevel=debug\n");
        var target = box.Target().Build();
        var drop = new DropAt(step, ssh.Server);

        try
        {
            await box.ApplyAsync(target, new ApplyOptions { Observer = drop });
        }
        catch (Errors.DeployException e) when (e.Code is Errors.DeployErrorCode.HostUnreachable or Errors.DeployErrorCode.CommandFailed or Errors.DeployErrorCode.TransferFailed or Errors.DeployErrorCode.RemoteIoFailed or Errors.DeployErrorCode.ServiceFailed)
        {
            // The cut may surface as a transport error (non-idempotent command) or be retried transparently.
        }

        await box.ApplyAsync(target);

        drop.Dropped.Should().BeGreaterThan(0);
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
        File.ReadAllText(box.TargetFile(box.T("/etc/exos-data.conf"))).Should().Be("loglevel=debug\n");
        foreach (var c in new[] { "DataConnection", "Types", "Logger" })
        {
            (await box.IsRunningAsync(c)).Should().BeTrue(c + " runs");
        }
    }
}

/// <summary>A failed apply does not leave the locally staged state file behind.</summary>
public sealed class StagedStateCleanupTests
{
    [Fact]
    public async Task Apply_that_fails_after_the_transfer_deletes_its_local_staged_state_file()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target().Build();
        var store = new RecordingStore(new HostStateStore(box.Host, box.StateDirectory, box.Time));
        var applier = new SequenceApplier(store, new ProcessSupervisor(box.Host, box.StateDirectory), new Deploy.Core.Sync.HostFileTransport(box.Host), new SequenceApplierOptions { TimeProvider = box.Time });
        var desired = await DesiredTarget.ScanAsync(target);
        var transfer = SequencePlanner.Plan(desired, null).Steps.Single(s => s.Kind == StepKind.TransferFiles).Index;

        var act = () => applier.ApplyAsync(desired, new ApplyOptions { Observer = new FailAfter(transfer) });

        await act.Should().ThrowAsync<InvalidOperationException>();
        store.Staged.Should().NotBeNull("the state travelled with the transfer");
        File.Exists(store.Staged!.LocalPath).Should().BeFalse();
        (await applier.ApplyAsync(desired)).Resumed.Should().NotBeNull("the journal still completes the interrupted apply");
    }

    private sealed class FailAfter(int index) : IOperationObserver
    {
        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
            => boundary.Index == index + 1 ? throw new InvalidOperationException("injected failure") : Task.CompletedTask;
    }

    private sealed class RecordingStore(ITargetStateStore inner) : ITargetStateStore
    {
        public Deploy.Core.Hosts.FileUpload? Staged { get; private set; }

        public Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public Task WriteStateAsync(TargetState state, CancellationToken cancellationToken = default) => inner.WriteStateAsync(state, cancellationToken);

        public async Task<Deploy.Core.Hosts.FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default)
            => Staged = await inner.StageStateAsync(state, cancellationToken);

        public Task CommitStagedStateAsync(CancellationToken cancellationToken = default) => inner.CommitStagedStateAsync(cancellationToken);

        public Task DiscardStagedStateAsync(CancellationToken cancellationToken = default) => inner.DiscardStagedStateAsync(cancellationToken);

        public IJournalStore Journal => inner.Journal;

        public Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default) => inner.AcquireLockAsync(holder, breakStale, cancellationToken);

        public Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default) => inner.ReleaseLockAsync(holder, cancellationToken);
    }
}
