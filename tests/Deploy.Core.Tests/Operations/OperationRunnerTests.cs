using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Running;
using Deploy.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Deploy.Core.Tests.Operations;

public sealed class OperationRunnerTests : IDisposable
{
    private const string JournalPath = "/state/journal.json";
    private readonly TempDirectory _dir = new("deploy-runner");
    private readonly LocalHost _host;

    public OperationRunnerTests() => _host = LocalHost.Rooted(_dir.Path);

    public void Dispose() => _dir.Dispose();

    /// <summary>What the steps share: a log of what ran, and the journal each step saw when it started.</summary>
    public sealed class Ctx
    {
        public List<string> Log { get; } = [];

        public List<OperationJournal<string>?> Seen { get; } = [];

        public string Note { get; set; } = "start";
    }

    private sealed class Step(string name, JournalStore store, bool fail = false, bool failRollback = false, StepJournaling journaling = StepJournaling.Recorded) : IOperationStep<Ctx>
    {
        public string Name => name;

        public StepJournaling Journaling => journaling;

        public async Task ApplyAsync(Ctx context, CancellationToken cancellationToken)
        {
            context.Seen.Add(await store.ReadAsync<string>("test-op", cancellationToken));
            context.Log.Add("apply " + name);
            context.Note = "after " + name;
            if (fail)
            {
                throw new DeployException(DeployErrorCode.CommandFailed, name + " failed");
            }
        }

        public Task RollbackAsync(Ctx context, CancellationToken cancellationToken)
        {
            context.Log.Add("rollback " + name);
            return failRollback ? throw new IOException("cannot undo " + name) : Task.CompletedTask;
        }

        public Task CommitAsync(Ctx context, CancellationToken cancellationToken)
        {
            context.Log.Add("commit " + name);
            return Task.CompletedTask;
        }
    }

    private sealed class Boundaries : IOperationObserver
    {
        public List<OperationBoundary> Seen { get; } = [];

        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
        {
            Seen.Add(boundary);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_run_journals_before_the_first_step_records_each_completion_before_the_next_commits_and_deletes_the_journal()
    {
        var store = Store();
        var ctx = new Ctx();
        var observer = new Boundaries();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var runner = Runner(store, [new Step("a", store), new Step("b", store), new Step("c", store)], new OperationRunOptions { Observer = observer, TimeProvider = clock });
        var events = new List<OperationProgress>();

        var outcome = await runner.RunAsync(runner.NewJournal(ctx, null), ctx, new SyncProgress(events));

        outcome.Succeeded.Should().BeTrue();
        outcome.Applied.Should().Equal("a", "b", "c");
        ctx.Log.Should().Equal("apply a", "apply b", "apply c", "commit a", "commit b", "commit c");
        ctx.Seen.Select(j => j!.CompletedCount).Should().Equal(0, 1, 2);
        ctx.Seen[0]!.Started.Should().Be(clock.GetUtcNow());
        ctx.Seen[2]!.Payload.Should().Be("after b", "the payload is taken from the context at each write");
        observer.Seen.Select(b => (b.Index, b.NextStep)).Should().Equal((0, "a"), (1, "b"), (2, "c"), (3, (string?)null));
        events.Select(e => e.Kind).Should().Equal(
            OperationEventKind.StepStarted, OperationEventKind.StepCompleted, OperationEventKind.StepStarted, OperationEventKind.StepCompleted,
            OperationEventKind.StepStarted, OperationEventKind.StepCompleted, OperationEventKind.Completed);
        (await store.ReadAsync<string>("test-op")).Should().BeNull();
    }

    [Fact]
    public async Task A_failing_step_is_rolled_back_first_then_the_completed_steps_in_reverse_and_the_journal_is_deleted()
    {
        var store = Store();
        var ctx = new Ctx();
        var runner = Runner(store, [new Step("a", store), new Step("b", store), new Step("c", store, fail: true), new Step("d", store)]);

        var outcome = await runner.RunAsync(runner.NewJournal(ctx, null), ctx);

        outcome.Succeeded.Should().BeFalse();
        outcome.FailedStep.Should().Be("c");
        outcome.RolledBack.Should().BeTrue();
        outcome.Error.Should().BeOfType<DeployException>().Which.Message.Should().Be("c failed");
        ctx.Log.Should().Equal("apply a", "apply b", "apply c", "rollback c", "rollback b", "rollback a");
        (await store.ReadAsync<string>("test-op")).Should().BeNull();
    }

    [Fact]
    public async Task A_failed_rollback_is_reported_and_keeps_the_journal_in_the_rolling_back_phase_for_the_next_run()
    {
        var store = Store();
        var ctx = new Ctx();
        var runner = Runner(store, [new Step("a", store), new Step("b", store, failRollback: true), new Step("c", store, fail: true)]);

        var outcome = await runner.RunAsync(runner.NewJournal(ctx, null), ctx);

        outcome.RolledBack.Should().BeFalse();
        outcome.RollbackFailures.Should().ContainSingle().Which.Step.Should().Be("b");
        ctx.Log.Should().Equal("apply a", "apply b", "apply c", "rollback c", "rollback b", "rollback a");
        var left = await store.ReadAsync<string>("test-op");
        left!.Phase.Should().Be(OperationPhase.RollingBack);
        left.Steps.Select(s => s.State).Should().Equal(StepState.RolledBack, StepState.Completed, StepState.RolledBack);

        var again = new Ctx();
        (await Runner(store, [new Step("a", store), new Step("b", store), new Step("c", store)]).RollBackAsync(left, again)).Should().BeEmpty();
        again.Log.Should().Equal("rollback b");
        (await store.ReadAsync<string>("test-op")).Should().BeNull();
    }

    [Fact]
    public async Task Resuming_an_interrupted_journal_skips_its_completed_steps()
    {
        var store = Store();
        var ctx = new Ctx();
        var runner = Runner(store, [new Step("a", store), new Step("b", store), new Step("c", store)]);
        var interrupted = runner.NewJournal(ctx, null).WithStep(0, StepState.Completed).WithStep(1, StepState.Completed);
        await store.WriteAsync(interrupted);

        var outcome = await runner.RunAsync((await runner.ReadAsync())!, ctx);

        outcome.Resumed.Should().BeTrue();
        ctx.Log.Should().Equal("apply c", "commit a", "commit b", "commit c");
    }

    [Fact]
    public async Task Rolling_back_an_interrupted_journal_undoes_the_running_step_and_the_unrecorded_steps_before_it_in_reverse()
    {
        var store = Store();
        var ctx = new Ctx();
        var runner = Runner(store, [new Step("a", store), new Step("b", store, journaling: StepJournaling.Unrecorded), new Step("c", store), new Step("d", store)]);
        var interrupted = runner.NewJournal(ctx, null).WithStep(0, StepState.Completed); // killed somewhere in b or c

        var failures = await runner.RollBackAsync(interrupted, ctx);

        failures.Should().BeEmpty();
        ctx.Log.Should().Equal("rollback c", "rollback b", "rollback a");
        (await store.ReadAsync<string>("test-op")).Should().BeNull();
    }

    [Fact]
    public async Task An_unrecorded_step_costs_no_journal_write_its_completion_rides_with_the_next_recorded_step()
    {
        var store = Store();
        var ctx = new Ctx();
        var runner = Runner(store, [new Step("a", store, journaling: StepJournaling.Unrecorded), new Step("b", store, journaling: StepJournaling.Unrecorded), new Step("c", store), new Step("d", store)]);

        await runner.RunAsync(runner.NewJournal(ctx, null), ctx);

        ctx.Seen.Select(j => j!.CompletedCount).Should().Equal(0, 0, 0, 3);
    }

    [Fact]
    public async Task A_journal_whose_steps_differ_from_the_runners_is_refused_as_StateCorrupt()
    {
        var store = Store();
        var ctx = new Ctx();
        var old = Runner(store, [new Step("a", store), new Step("b", store)]).NewJournal(ctx, null);

        var act = () => Runner(store, [new Step("a", store), new Step("x", store)]).RunAsync(old, ctx);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.StateCorrupt);
    }

    [Fact]
    public async Task Cancellation_keeps_the_journal_for_the_next_run_unless_RollBackOnCancel()
    {
        var store = Store();
        var ctx = new Ctx();
        using var cts = new CancellationTokenSource();
        var observer = new CancelAt(1, cts);
        var runner = Runner(store, [new Step("a", store), new Step("b", store)], new OperationRunOptions { Observer = observer });

        var outcome = await runner.RunAsync(runner.NewJournal(ctx, null), ctx, null, cts.Token);

        outcome.Error.Should().BeAssignableTo<OperationCanceledException>();
        ctx.Log.Should().Equal("apply a");
        (await store.ReadAsync<string>("test-op"))!.CompletedCount.Should().Be(1);
    }

    private sealed class CancelAt(int index, CancellationTokenSource cts) : IOperationObserver
    {
        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
        {
            if (boundary.Index == index)
            {
                cts.Cancel();
            }

            return Task.CompletedTask;
        }
    }

    private JournalStore Store() => new(_host, JournalPath);

    private static OperationRunner<Ctx, string> Runner(JournalStore store, IReadOnlyList<IOperationStep<Ctx>> steps, OperationRunOptions? options = null)
        => new(store, "test-op", steps, c => c.Note, options);
}
