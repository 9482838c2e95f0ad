using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// One <see cref="PlanStep"/> as a step of the operations core's runner. A sequence apply recovers forward: a later
/// apply re-plans from the journal's <see cref="ApplyRecord"/> (its files sent again, its components restarted or
/// reinstalled again), so the steps are <see cref="StepJournaling.Unrecorded"/> (the journal is written once, before
/// the first step) and the runner never rolls an apply back (its rollback does nothing).
/// </summary>
internal class PlanStepOperation : IOperationStep<ApplyRun>
{
    private protected PlanStepOperation(PlanStep step)
    {
        Step = step;
        Name = string.Create(CultureInfo.InvariantCulture, $"{step.Index} {step.Describe()} {StepDigest.Of(step)}");
    }

    /// <summary>The plan's step.</summary>
    public PlanStep Step { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public StepJournaling Journaling => StepJournaling.Unrecorded;

    /// <summary>The runner's step for <paramref name="step"/> (a transfer may start before the journal is written).</summary>
    public static PlanStepOperation For(PlanStep step)
        => step.Kind == StepKind.TransferFiles ? new TransferStep(step) : new PlanStepOperation(step);

    /// <inheritdoc />
    public Task ApplyAsync(ApplyRun context, CancellationToken cancellationToken) => RunAsync(context, null, cancellationToken);

    /// <inheritdoc />
    public Task RollbackAsync(ApplyRun context, CancellationToken cancellationToken) => Task.CompletedTask;

    private protected async Task RunAsync(ApplyRun run, Task? journalWritten, CancellationToken cancellationToken)
    {
        var count = run.Plan.Steps.Count;
        var line = string.Create(CultureInfo.InvariantCulture, $"[{Step.Index + 1}/{count}] {Step.Describe()}");
        run.Progress?.Report(new SequenceProgress(SequenceEventKind.StepStarted, line) { Step = Step, StepCount = count });
        SequenceLog.Step(run.Logger, run.Plan.Target, Step.Index + 1, count, Step.Describe(), Step.Reason);
        var started = run.Clock.Now();
        await ExecuteAsync(run, journalWritten, cancellationToken).ConfigureAwait(false);
        if (Step.Kind != StepKind.TransferFiles)
        {
            run.Clock.Record(Step.Kind == StepKind.CommitState ? ApplyPhase.StateCommit : ApplyPhase.ServiceActions, started);
        }

        run.Progress?.Report(new SequenceProgress(SequenceEventKind.StepCompleted, string.Create(CultureInfo.InvariantCulture, $"[{Step.Index + 1}/{count}] done: {Step.Describe()}")) { Step = Step, StepCount = count });
    }

    private async Task ExecuteAsync(ApplyRun run, Task? journalWritten, CancellationToken cancellationToken)
    {
        var step = Step;
        if (run.Skips(step))
        {
            return;
        }

        if (step.Kind == StepKind.CommitState)
        {
            await run.SettleAsync(cancellationToken).ConfigureAwait(false);
        }

        switch (step.Kind)
        {
            case StepKind.StopService:
                run.Actions.Add(step.Describe());
                await run.Services.StopAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.RunService:
                run.Actions.Add(step.Describe());
                var result = await run.Services.RunOnceAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    run.Fail(step, $"{step.ServiceRef} exited with {result.ExitCode}: {Tail(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput)}", result.ExitCode, null);
                }

                break;
            case StepKind.StartService:
                run.Actions.Add(step.Describe());
                try
                {
                    await run.Services.StartAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                    run.Started(step);
                }
                catch (DeployException e) when (e.Code == DeployErrorCode.ServiceFailed)
                {
                    run.Fail(step, e.Message, e.ExitCode, e);
                }

                break;
            case StepKind.CreateService:
                await run.Services.CreateAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.DeleteService:
                await run.Services.DeleteAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.TransferFiles:
                await TransferAsync(run, journalWritten, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.DeleteFiles:
                await run.Transport.RemoveAsync(step.Paths!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.WaitStartupTimeout:
                run.Actions.Add(step.Describe());
                await Task.Delay(TimeSpan.FromMilliseconds(step.DelayMs), run.Time, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.CommitState when run.CommittedWithTransfer:
                break; // the transfer's own command committed
            case StepKind.CommitState when run.StateStaged && step.Index == run.Plan.Steps.Count - 1 && run.Incomplete.Count == 0:
                // The last step: the journal and the lock go in the same round trip.
                await run.Store.CommitStagedStateAndReleaseLockAsync(run.Holder, cancellationToken).ConfigureAwait(false);
                run.StateStaged = false;
                run.LockReleased = true;
                break;
            case StepKind.CommitState when run.StateStaged:
                await run.Store.CommitStagedStateAsync(cancellationToken).ConfigureAwait(false);
                run.StateStaged = false;
                await run.RecordIncompleteAsync(cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.CommitState:
                await run.Store.WriteStateAsync(run.Plan.NewState, cancellationToken).ConfigureAwait(false);
                await run.Store.Journal.DeleteAsync(cancellationToken).ConfigureAwait(false);
                await run.RecordIncompleteAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new DeployException(DeployErrorCode.StateCorrupt, $"Unknown plan step kind {step.Kind}.");
        }
    }

    private async Task TransferAsync(ApplyRun run, Task? journalWritten, CancellationToken cancellationToken)
    {
        var step = Step;
        var files = step.Files!;
        var uploads = files.Select(f => new FileUpload(f.LocalPath, f.TargetPath) { Mode = f.Mode, ModifiedTime = new DateTimeOffset(f.ModifiedUtcTicks, TimeSpan.Zero), SizeHint = f.Size }).ToList();
        // The new state rides along under a staging name; the commit step only renames it (one cheap command).
        var staged = run.Plan.Steps.Any(s => s.Kind == StepKind.CommitState) ? await run.TakeStagedStateAsync(cancellationToken).ConfigureAwait(false) : null;
        if (staged is not null)
        {
            uploads.Add(staged);
            run.StateStaged = true;
        }

        var count = run.Plan.Steps.Count;
        var reporter = run.Progress is not { } progress ? null : new Progress<TransferProgress>(p => progress.Report(new SequenceProgress(SequenceEventKind.Transfer, $"{p.FilesDone}/{p.FilesTotal} files, {p.BytesDone}/{p.BytesTotal} bytes")
        {
            Step = step,
            StepCount = count,
            FilesDone = p.FilesDone,
            FilesTotal = p.FilesTotal,
            BytesDone = p.BytesDone,
            BytesTotal = p.BytesTotal,
        }));
        var started = run.Clock.Now();
        var gate = journalWritten is { IsCompletedSuccessfully: false } g ? g : null;
        TransferSummary summary;
        if (staged is not null && CommitFollows(run) && run.Store is HostStateStore store && run.Transport is HostFileTransport { UploadsWithAfterPlacement: { } uploader } && store.CommitAfterPlacement() is { } commit)
        {
            // The commit step right after this one costs no round trip: the upload's own command commits once every
            // file is placed (the staged state renamed over the recorded one, the journal deleted, the lock released).
            summary = await uploader.UploadThenAsync(uploads, gate, commit, reporter, cancellationToken).ConfigureAwait(false);
            await store.CommittedAfterPlacementAsync(cancellationToken).ConfigureAwait(false);
            run.StateStaged = false;
            run.LockReleased = true;
            run.CommittedWithTransfer = true;
        }
        else
        {
            summary = gate is not null
                ? await run.Transport.UploadGatedAsync(uploads, gate, reporter, cancellationToken).ConfigureAwait(false)
                : await run.Transport.UploadAsync(uploads, reporter, cancellationToken).ConfigureAwait(false);
        }

        var ended = run.Clock.Now();
        if (summary.StreamDuration is { } stream)
        {
            var lastByte = started + (long)(stream.TotalSeconds * run.Time.TimestampFrequency);
            run.Clock.Record(ApplyPhase.Stream, started, Math.Min(lastByte, ended));
            run.Clock.Record(ApplyPhase.Placement, Math.Min(lastByte, ended), ended);
        }
        else
        {
            run.Clock.Record(ApplyPhase.Stream, started, ended);
        }

        run.Files += files.Count;
        run.Bytes += files.Sum(f => f.Size);
    }

    /// <summary>
    /// Whether the only step after this transfer is the commit that also releases the lock, with nothing to wait for
    /// before it (no service started by this apply to settle, no component left incomplete).
    /// </summary>
    private bool CommitFollows(ApplyRun run)
        => Step.Index == run.Plan.Steps.Count - 2 && run.Plan.Steps[^1].Kind == StepKind.CommitState && run.Incomplete.Count == 0 && !run.HasStartedServices;

    private static string Tail(string text) => text.Length <= 1000 ? text.Trim() : "..." + text[^1000..].Trim();

    /// <summary>The bulk transfer: its bytes travel while the journal is written, and it places nothing before.</summary>
    private sealed class TransferStep(PlanStep step) : PlanStepOperation(step), IGatedOperationStep<ApplyRun>
    {
        public Task ApplyAsync(ApplyRun context, Task journalWritten, CancellationToken cancellationToken) => RunAsync(context, journalWritten, cancellationToken);
    }
}
