using Deploy.Core.Errors;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Operations.Running;

/// <summary>
/// Runs an operation's steps under one journal: the journal is written before the first step, and after every
/// <see cref="StepJournaling.Recorded"/> step (before the next side effect), so a later run knows which steps are
/// done. <see cref="RunAsync"/> starts a run or resumes an interrupted one (completed steps skipped);
/// <see cref="RollBackAsync"/> undoes an interrupted one in reverse order, including the step that was running and
/// any unrecorded steps before it (rollbacks tolerate partial work). A step's failure rolls back by default.
/// Every boundary between steps is offered to <see cref="OperationRunOptions.Observer"/>.
/// </summary>
/// <typeparam name="TContext">What the steps share.</typeparam>
/// <typeparam name="TPayload">The operation's journal payload, taken from the context at every journal write.</typeparam>
public sealed partial class OperationRunner<TContext, TPayload>
{
    private readonly IJournalStore _store;
    private readonly IReadOnlyList<IOperationStep<TContext>> _steps;
    private readonly Func<TContext, TPayload> _payload;
    private readonly OperationRunOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a runner of <paramref name="steps"/> journaled in <paramref name="store"/>.</summary>
    /// <param name="store">Where the journal lives.</param>
    /// <param name="kind">The operation's kind, e.g. <c>package-install</c> (recorded and checked on read).</param>
    /// <param name="steps">The steps, in order; names must be unique.</param>
    /// <param name="payload">Takes the payload to journal from the context (called at every write).</param>
    /// <param name="options">Observer, failure policy, clock, logger.</param>
    public OperationRunner(IJournalStore store, string kind, IReadOnlyList<IOperationStep<TContext>> steps, Func<TContext, TPayload> payload, OperationRunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(payload);
        if (steps.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != steps.Count)
        {
            throw new ArgumentException("Step names must be unique: the journal matches steps by name.", nameof(steps));
        }

        _store = store;
        Kind = kind;
        _steps = steps;
        _payload = payload;
        _options = options ?? new OperationRunOptions();
        _logger = _options.Logger ?? NullLogger.Instance;
    }

    /// <summary>The operation's kind.</summary>
    public string Kind { get; }

    /// <summary>The steps' names, in order.</summary>
    public IReadOnlyList<string> StepNames => _steps.Select(s => s.Name).ToArray();

    /// <summary>A new journal for a run of these steps (all pending), not yet written.</summary>
    /// <param name="context">The context (its payload is recorded).</param>
    /// <param name="holder">The lock holder running it, if any (its id becomes the run's id).</param>
    public OperationJournal<TPayload> NewJournal(TContext context, LockHolder? holder) => new()
    {
        Kind = Kind,
        Id = holder?.Id ?? Guid.NewGuid().ToString("N")[..12],
        Started = _options.TimeProvider.GetUtcNow(),
        Holder = holder,
        Steps = _steps.Select(s => new JournalStep(s.Name, StepState.Pending)).ToArray(),
        Payload = _payload(context),
    };

    /// <summary>Reads the journal of an interrupted run; <c>null</c> when there is none.</summary>
    public Task<OperationJournal<TPayload>?> ReadAsync(CancellationToken cancellationToken = default) => _store.ReadAsync<TPayload>(Kind, cancellationToken);

    /// <summary>
    /// Runs <paramref name="journal"/>'s steps from its first one not completed (all of them for a new journal):
    /// writes the journal, then each step in turn. On a step's failure, rolls back per the options and returns the
    /// failure in the outcome; journal write failures outside a step are thrown.
    /// </summary>
    public async Task<OperationOutcome> RunAsync(OperationJournal<TPayload> journal, TContext context, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Check(journal);
        if (journal.Phase == OperationPhase.RollingBack)
        {
            throw new InvalidOperationException("The journal is rolling back: finish with RollBackAsync.");
        }

        var start = journal.CompletedCount;
        var count = _steps.Count;
        if (start > 0)
        {
            Log.Resuming(_logger, Kind, journal.Id, start, count);
            progress?.Report(new OperationProgress(OperationEventKind.Resuming, Kind, $"resuming {Kind} {journal.Id} after {start} of {count} steps") { StepCount = count });
        }

        var current = journal;
        var written = _store.WriteAsync(current, cancellationToken);
        var applied = new List<string>();
        for (var i = start; i < count; i++)
        {
            var step = _steps[i];
            try
            {
                if (step is not IGatedOperationStep<TContext> || _options.Observer is not null)
                {
                    await written.ConfigureAwait(false);
                }

                if (_options.Observer is { } observer)
                {
                    await observer.AtBoundaryAsync(new OperationBoundary(Kind, i, count, step.Name), cancellationToken).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                Log.Step(_logger, Kind, i + 1, count, step.Name);
                progress?.Report(new OperationProgress(OperationEventKind.StepStarted, Kind, $"[{i + 1}/{count}] {step.Name}") { Step = step.Name, StepIndex = i, StepCount = count });
                if (step is IGatedOperationStep<TContext> gated)
                {
                    await gated.ApplyAsync(context, written, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await step.ApplyAsync(context, cancellationToken).ConfigureAwait(false);
                }

                await written.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await written.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                return await FailAsync(current, i, e, context, applied, start > 0, progress, cancellationToken).ConfigureAwait(false);
            }

            applied.Add(step.Name);
            progress?.Report(new OperationProgress(OperationEventKind.StepCompleted, Kind, $"[{i + 1}/{count}] done: {step.Name}") { Step = step.Name, StepIndex = i, StepCount = count });
            if (step.Journaling == StepJournaling.Recorded)
            {
                current = Completed(current, i, context);
                written = _store.WriteAsync(current, cancellationToken);
            }
        }

        await written.ConfigureAwait(false);
        if (_options.Observer is { } last)
        {
            await last.AtBoundaryAsync(new OperationBoundary(Kind, count, count, null), cancellationToken).ConfigureAwait(false);
        }

        foreach (var step in _steps)
        {
            try
            {
                await step.CommitAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DeployException or IOException)
            {
                // What a commit drops is only kept for a rollback: the run has succeeded; the leftover is harmless.
                Log.CommitFailed(_logger, e, Kind, step.Name);
                progress?.Report(new OperationProgress(OperationEventKind.Warning, Kind, $"{step.Name}: could not drop what was kept for a rollback: {e.Message}") { Step = step.Name });
            }
        }

        if (_options.DeleteJournalWhenDone)
        {
            await _store.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(new OperationProgress(OperationEventKind.Completed, Kind, $"{Kind} {journal.Id} completed") { StepCount = count });
        return new OperationOutcome { Resumed = start > 0, Applied = applied };
    }

    /// <summary>
    /// Rolls back an interrupted run found in <paramref name="journal"/>: its completed steps, the step that was
    /// running when it stopped, and any unrecorded steps between them, in reverse order. Returns the rollbacks that
    /// failed (then the journal stays for a later attempt; else it is deleted per the options).
    /// </summary>
    public async Task<IReadOnlyList<StepFailure>> RollBackAsync(OperationJournal<TPayload> journal, TContext context, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Check(journal);
        if (journal.Phase == OperationPhase.Applying)
        {
            // Steps after the last recorded completion may have run, up to and including the next recorded step.
            var c = journal.CompletedCount;
            var j = c;
            while (j < _steps.Count - 1 && _steps[j].Journaling == StepJournaling.Unrecorded)
            {
                j++;
            }

            var steps = journal.Steps.ToArray();
            for (var i = c; i <= j && i < steps.Length; i++)
            {
                steps[i] = steps[i] with { State = StepState.Started };
            }

            journal = journal with { Phase = OperationPhase.RollingBack, Steps = steps };
        }

        return await RollBackCoreAsync(journal, context, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<OperationOutcome> FailAsync(OperationJournal<TPayload> journal, int failed, Exception error, TContext context, List<string> applied, bool resumed, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var name = _steps[failed].Name;
        var cancelled = error is OperationCanceledException && cancellationToken.IsCancellationRequested;
        Log.StepFailed(_logger, error, Kind, name);
        if (cancelled ? !_options.RollBackOnCancel : !_options.RollBackOnFailure)
        {
            // The journal stays for a later run: it records every step before the failed one as completed (unrecorded
            // steps included: they did complete), so that run resumes at the failed step. Best effort: a journal
            // that cannot be written (the target went away) resumes from its last record instead.
            if (failed > journal.CompletedCount)
            {
                try
                {
                    await _store.WriteAsync(Completed(journal, failed - 1, context), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DeployException or IOException or OperationCanceledException)
                {
                    Log.StepFailed(_logger, e, Kind, name + " (recording the completed steps)");
                }
            }

            return new OperationOutcome { Resumed = resumed, Applied = applied, FailedStep = name, Error = error };
        }

        // Everything before the failed step ran (recorded or not); the failed step may have half-applied.
        var steps = journal.Steps.ToArray();
        for (var i = 0; i <= failed; i++)
        {
            steps[i] = steps[i] with { State = i < failed ? StepState.Completed : StepState.Started };
        }

        var failures = await RollBackCoreAsync(journal with { Phase = OperationPhase.RollingBack, Steps = steps }, context, progress, CancellationToken.None).ConfigureAwait(false);
        return new OperationOutcome { Resumed = resumed, Applied = applied, FailedStep = name, Error = error, RolledBack = failures.Count == 0, RollbackFailures = failures };
    }

    private async Task<IReadOnlyList<StepFailure>> RollBackCoreAsync(OperationJournal<TPayload> journal, TContext context, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        // Recorded before the first rollback side effect: a run killed now finishes the rollback next time.
        // Rollbacks are idempotent, so per-step records are not needed.
        await _store.WriteAsync(journal, cancellationToken).ConfigureAwait(false);
        Log.RollingBack(_logger, Kind, journal.Id);
        progress?.Report(new OperationProgress(OperationEventKind.RollingBack, Kind, $"rolling back {Kind} {journal.Id}") { StepCount = _steps.Count });
        var failures = new List<StepFailure>();
        var steps = journal.Steps.ToArray();
        for (var i = _steps.Count - 1; i >= 0; i--)
        {
            if (steps[i].State is not (StepState.Completed or StepState.Started))
            {
                continue;
            }

            var step = _steps[i];
            try
            {
                await step.RollbackAsync(context, cancellationToken).ConfigureAwait(false);
                steps[i] = steps[i] with { State = StepState.RolledBack };
                progress?.Report(new OperationProgress(OperationEventKind.StepRolledBack, Kind, $"rolled back: {step.Name}") { Step = step.Name, StepIndex = i, StepCount = _steps.Count });
            }
            catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
            {
                Log.RollbackFailed(_logger, e, Kind, step.Name);
                progress?.Report(new OperationProgress(OperationEventKind.Warning, Kind, $"rolling back {step.Name} failed: {e.Message}") { Step = step.Name, StepIndex = i, StepCount = _steps.Count });
                failures.Add(new StepFailure(step.Name, e));
            }
        }

        if (failures.Count > 0)
        {
            await _store.WriteAsync(journal with { Steps = steps }, cancellationToken).ConfigureAwait(false);
            return failures;
        }

        if (_options.DeleteJournalWhenDone)
        {
            await _store.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(new OperationProgress(OperationEventKind.RolledBack, Kind, $"{Kind} {journal.Id} rolled back") { StepCount = _steps.Count });
        return failures;
    }

    private OperationJournal<TPayload> Completed(OperationJournal<TPayload> journal, int upTo, TContext context)
    {
        var steps = journal.Steps.ToArray();
        for (var i = 0; i <= upTo; i++)
        {
            steps[i] = steps[i] with { State = StepState.Completed };
        }

        return journal with { Steps = steps, Payload = _payload(context) };
    }

    private void Check(OperationJournal<TPayload> journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        if (!journal.Steps.Select(s => s.Name).SequenceEqual(_steps.Select(s => s.Name), StringComparer.Ordinal))
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The journal {_store.Path} on {_store.Location} lists the steps [{string.Join(", ", journal.Steps.Select(s => s.Name))}], but {Kind} has [{string.Join(", ", _steps.Select(s => s.Name))}]: it was written by another version. Inspect the target and remove the journal by hand.") { Host = _store.Location, Path = _store.Path };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "{Kind} [{Index}/{Count}] {Step}")]
        public static partial void Step(ILogger logger, string kind, int index, int count, string step);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "{Kind}: resuming run {Id} after {Done} of {Count} steps")]
        public static partial void Resuming(ILogger logger, string kind, string id, int done, int count);

        [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "{Kind}: step {Step} failed")]
        public static partial void StepFailed(ILogger logger, Exception exception, string kind, string step);

        [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "{Kind}: rolling back run {Id}")]
        public static partial void RollingBack(ILogger logger, string kind, string id);

        [LoggerMessage(EventId = 4205, Level = LogLevel.Error, Message = "{Kind}: rolling back step {Step} failed")]
        public static partial void RollbackFailed(ILogger logger, Exception exception, string kind, string step);

        [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "{Kind}: commit of step {Step} failed")]
        public static partial void CommitFailed(ILogger logger, Exception exception, string kind, string step);
    }
}
