using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Sequence;

/// <summary>
/// Applies plans to one target: the side-effect half of the sequence engine. An apply reads the target's records
/// (one round trip when nothing changed), and when there is work: takes the lock, reads the journal of an
/// interrupted apply if there is one, plans (a recovery plan completes the interrupted one with the current
/// definitions: its files are sent again, its components restarted or reinstalled again), journals the plan,
/// executes it step by step, records the new state, deletes the journal and releases the lock. Killed at any point,
/// the next apply completes the interrupted one, so a target never stays with new files and old services.
/// </summary>
public sealed partial class SequenceApplier
{
    private readonly ITargetStateStore _store;
    private readonly IServiceManager _services;
    private readonly IFileTransport _transport;
    private readonly SequenceApplierOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates an applier from its three parts (state store, service manager, file transport).</summary>
    public SequenceApplier(ITargetStateStore store, IServiceManager services, IFileTransport transport, SequenceApplierOptions? options = null, ILogger<SequenceApplier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(transport);
        _store = store;
        _services = services;
        _transport = transport;
        _options = options ?? new SequenceApplierOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// An applier for <paramref name="target"/> on <paramref name="host"/>: state in the target's state directory,
    /// the <see cref="ProcessSupervisor"/> (or <paramref name="services"/>), and the host's bulk upload.
    /// </summary>
    public static SequenceApplier ForHost(IHost host, TargetDefinition target, SequenceApplierOptions? options = null, IServiceManager? services = null, ILogger<SequenceApplier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new SequenceApplierOptions();
        var dir = target.EffectiveStateDirectory;
        return new SequenceApplier(
            new HostStateStore(host, dir, options.TimeProvider, options.StateCacheDirectory),
            services ?? new ProcessSupervisor(host, dir),
            new HostFileTransport(host),
            options,
            logger)
        {
            DriftCheck = new HostDriftCheck(host),
        };
    }

    /// <summary>
    /// <see cref="ForHost"/> with the service manager <paramref name="services"/> selects: by default systemd where
    /// it runs as PID 1 on the target, the <see cref="ProcessSupervisor"/> elsewhere (see <see cref="ServiceManagerSelection"/>).
    /// </summary>
    public static async Task<SequenceApplier> ForHostAsync(IHost host, TargetDefinition target, ServiceManagerKind services = ServiceManagerKind.Auto, SequenceApplierOptions? options = null, ILogger<SequenceApplier>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(target);
        var manager = await ServiceManagerSelection.SelectAsync(host, target.Name, target.EffectiveStateDirectory, services, cancellationToken).ConfigureAwait(false);
        return ForHost(host, target, options, manager, logger);
    }

    /// <summary>
    /// Lists the live target for <see cref="PlanOptions.Verify"/>; <see cref="ForHost"/> sets a
    /// <see cref="HostDriftCheck"/>. <value>The default is <c>null</c>: a verifying plan is refused.</value>
    /// </summary>
    public ITargetDriftCheck? DriftCheck { get; init; }

    /// <summary>The service manager in use.</summary>
    public IServiceManager Services => _services;

    /// <summary>Reads the target's state and plans (a dry run: nothing on the target changes).</summary>
    public async Task<Plan> PlanAsync(DesiredTarget desired, PlanOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var snapshot = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
        return SequencePlanner.Plan(desired, snapshot.State, await WithDriftAsync(desired, snapshot.State, options ?? new PlanOptions(), cancellationToken).ConfigureAwait(false));
    }

    /// <summary><paramref name="options"/> with the live target's drift from <paramref name="recorded"/>, when it asks to verify.</summary>
    private async Task<PlanOptions> WithDriftAsync(DesiredTarget desired, TargetState? recorded, PlanOptions options, CancellationToken cancellationToken)
    {
        if (!options.Verify || recorded is null)
        {
            return options;
        }

        if (DriftCheck is null)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"Cannot verify target {desired.Definition.Name}: this applier has no drift check (set SequenceApplier.DriftCheck, or create it with ForHost).");
        }

        var drift = await DriftCheck.CheckAsync(desired.Definition, recorded, cancellationToken).ConfigureAwait(false);
        if (!drift.IsEmpty)
        {
            Log.Drift(_logger, desired.Definition.Name, drift.Files.Count, drift.Files[0].Path, drift.Files[0].Reason);
        }

        return options with { Drift = drift };
    }

    /// <summary>
    /// Scans <paramref name="target"/>'s local files while reading the target's records (the two overlap), then
    /// applies as <see cref="ApplyAsync(DesiredTarget, ApplyOptions?, IProgress{SequenceProgress}?, CancellationToken)"/>.
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(TargetDefinition target, ApplyOptions? options = null, IProgress<SequenceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var scan = DesiredTarget.ScanAsync(target, cancellationToken);
        var read = _store.ReadAsync(cancellationToken);
        try
        {
            await Task.WhenAll(scan, read).ConfigureAwait(false);
        }
        catch (Exception) when (scan.IsFaulted && read.IsCompletedSuccessfully)
        {
            await scan.ConfigureAwait(false); // the scan's own exception, not an aggregate
        }

        return await ApplyCoreAsync(await scan.ConfigureAwait(false), await read.ConfigureAwait(false), options ?? new ApplyOptions(), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings the target to <paramref name="desired"/>.</summary>
    public async Task<ApplyResult> ApplyAsync(DesiredTarget desired, ApplyOptions? options = null, IProgress<SequenceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var snapshot = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
        return await ApplyCoreAsync(desired, snapshot, options ?? new ApplyOptions(), progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ApplyResult> ApplyCoreAsync(DesiredTarget desired, TargetSnapshot snapshot, ApplyOptions options, IProgress<SequenceProgress>? progress, CancellationToken cancellationToken)
    {
        Plan? quick = null;
        var firstOptions = await WithDriftAsync(desired, snapshot.State, options.Plan, cancellationToken).ConfigureAwait(false);
        if (!snapshot.HasJournal && snapshot.Lock is null)
        {
            quick = SequencePlanner.Plan(desired, snapshot.State, firstOptions);
            if (quick.IsEmpty)
            {
                progress?.Report(new SequenceProgress(SequenceEventKind.UpToDate, $"{desired.Definition.Name} is up to date"));
                return new ApplyResult(quick, null, [], 0, 0);
            }
        }

        var holder = LockHolder.ForCurrentProcess(_options.TimeProvider);
        var run = new Run(progress, holder);
        // The new state depends on the desired target alone: serialize it (megabytes for 10,000 files) while the
        // lock, the re-read and the journal take their round trips.
        if (quick is not null && quick.Steps.Any(s => s.Kind == StepKind.TransferFiles))
        {
            run.PendingState = quick.NewState;
            run.PendingStage = Task.Run(() => _store.StageStateAsync(quick.NewState, cancellationToken), cancellationToken);
        }

        try
        {
            await AcquireLockAsync(desired.Definition.Name, holder, options.BreakStaleLock, progress, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DiscardPendingStageAsync(run).ConfigureAwait(false);
            throw;
        }

        try
        {
            Journal? resumed = null;
            // Read again under the lock: another apply may have finished since the first read.
            var current = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            var planOptions = ReferenceEquals(current.State, snapshot.State)
                ? firstOptions
                : await WithDriftAsync(desired, current.State, options.Plan, cancellationToken).ConfigureAwait(false);
            var journal = current.HasJournal ? await _store.ReadJournalAsync(cancellationToken).ConfigureAwait(false) : null;
            if (journal is not null)
            {
                resumed = journal;
                Log.Resuming(_logger, journal.Target, journal.StepCount);
                progress?.Report(new SequenceProgress(SequenceEventKind.Resuming, $"completing an interrupted apply of {journal.StepCount} steps") { StepCount = journal.StepCount });
                planOptions = planOptions with { Interrupted = journal };
            }

            // Same state object (the store's cache validated it) and no journal: the first plan still holds.
            var plan = quick is not null && journal is null && ReferenceEquals(current.State, snapshot.State)
                ? quick
                : SequencePlanner.Plan(desired, current.State, planOptions);
            if (!plan.IsEmpty)
            {
                var journalWrite = _store.WriteJournalAsync(Journal.Of(plan, current.State), cancellationToken);
                if (plan.Steps[0].Kind == StepKind.TransferFiles)
                {
                    // Nothing changes before the transfer places its files: the journal is written while the bytes
                    // travel, and the placing waits for it.
                    run.JournalWrite = journalWrite;
                }
                else
                {
                    await journalWrite.ConfigureAwait(false);
                }

                await ExecuteAsync(plan, run, options.Observer, cancellationToken).ConfigureAwait(false);
            }

            return new ApplyResult(plan, resumed, run.Actions, run.Files, run.Bytes);
        }
        finally
        {
            if (run.JournalWrite is { } journalWrite)
            {
                // Never release the lock under a journal write still in flight.
                await journalWrite.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }

            if (run.PendingStage is not null)
            {
                await DiscardPendingStageAsync(run).ConfigureAwait(false);
            }

            if (run.StateStaged)
            {
                // The apply failed between staging the state and committing it: the next apply stages afresh.
                await _store.DiscardStagedStateAsync(CancellationToken.None).ConfigureAwait(false);
            }

            // Released on failure too: the journal, not the lock, carries an interrupted apply to the next run.
            if (!run.LockReleased)
            {
                await _store.ReleaseLockAsync(holder, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes the lock; a stale lock (its holder provably dead on this machine, or its heartbeat expired: the store
    /// checks and reports <see cref="DeployErrorCode.StaleLock"/>) is taken over with a note, never left to block the next run.
    /// </summary>
    private async Task AcquireLockAsync(string target, LockHolder holder, bool breakStale, IProgress<SequenceProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            await _store.AcquireLockAsync(holder, breakStale, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.StaleLock && !breakStale)
        {
            Log.TakingOverStaleLock(_logger, target, e.Message);
            progress?.Report(new SequenceProgress(SequenceEventKind.Warning, $"{target}: taking over a stale lock ({e.Message})"));
            await _store.AcquireLockAsync(holder, breakStale: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(Plan plan, Run run, ISequenceStepObserver? observer, CancellationToken cancellationToken)
    {
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            if (observer is not null)
            {
                await observer.BeforeStepAsync(step, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            run.Progress?.Report(new SequenceProgress(SequenceEventKind.StepStarted, $"[{i + 1}/{plan.Steps.Count}] {step.Describe()}") { Step = step, StepCount = plan.Steps.Count });
            Log.Step(_logger, plan.Target, i + 1, plan.Steps.Count, step.Describe(), step.Reason);
            await ExecuteStepAsync(plan, step, run, cancellationToken).ConfigureAwait(false);
            if (observer is not null)
            {
                await observer.AfterStepAsync(step, cancellationToken).ConfigureAwait(false);
            }

            if (step.Kind == StepKind.CommitState && !run.JournalClosed)
            {
                await _store.DeleteJournalAsync(cancellationToken).ConfigureAwait(false);
            }

            run.Progress?.Report(new SequenceProgress(SequenceEventKind.StepCompleted, $"[{i + 1}/{plan.Steps.Count}] done: {step.Describe()}") { Step = step, StepCount = plan.Steps.Count });
        }
    }

    private async Task ExecuteStepAsync(Plan plan, PlanStep step, Run run, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case StepKind.StopService:
                run.Actions.Add(step.Describe());
                await _services.StopAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.RunService:
                run.Actions.Add(step.Describe());
                var result = await _services.RunOnceAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded)
                {
                    Fail(step, run, $"{step.ServiceRef} exited with {result.ExitCode}: {Tail(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput)}", result.ExitCode, null);
                }

                break;
            case StepKind.StartService:
                run.Actions.Add(step.Describe());
                try
                {
                    await _services.StartAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                }
                catch (DeployException e) when (e.Code == DeployErrorCode.ServiceFailed)
                {
                    Fail(step, run, e.Message, e.ExitCode, e);
                }

                break;
            case StepKind.CreateService:
                await _services.CreateAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.DeleteService:
                await _services.DeleteAsync(step.ServiceRef!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.TransferFiles:
                var files = step.Files!;
                var uploads = files.Select(f => new FileUpload(f.LocalPath, f.TargetPath) { Mode = f.Mode, ModifiedTime = new DateTimeOffset(f.ModifiedUtcTicks, TimeSpan.Zero), SizeHint = f.Size }).ToList();
                // The new state rides along under a staging name; the commit step only renames it (one cheap command).
                var staged = plan.Steps.Any(s => s.Kind == StepKind.CommitState) ? await TakeStagedStateAsync(plan, run, cancellationToken).ConfigureAwait(false) : null;
                if (staged is not null)
                {
                    uploads.Add(staged);
                    run.StateStaged = true;
                }

                var reporter = run.Progress is null ? null : new Progress<TransferProgress>(p => run.Progress.Report(new SequenceProgress(SequenceEventKind.Transfer, $"{p.FilesDone}/{p.FilesTotal} files, {p.BytesDone}/{p.BytesTotal} bytes")
                {
                    Step = step,
                    StepCount = plan.Steps.Count,
                    FilesDone = p.FilesDone,
                    FilesTotal = p.FilesTotal,
                    BytesDone = p.BytesDone,
                    BytesTotal = p.BytesTotal,
                }));
                var summary = run.JournalWrite is { } gate
                    ? await _transport.UploadGatedAsync(uploads, gate, reporter, cancellationToken).ConfigureAwait(false)
                    : await _transport.UploadAsync(uploads, reporter, cancellationToken).ConfigureAwait(false);
                run.Files += files.Count;
                run.Bytes += files.Sum(f => f.Size);
                break;
            case StepKind.DeleteFiles:
                await _transport.RemoveAsync(step.Paths!, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.WaitStartupTimeout:
                run.Actions.Add(step.Describe());
                await Task.Delay(TimeSpan.FromMilliseconds(step.DelayMs), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.CommitState when run.StateStaged && step.Index == plan.Steps.Count - 1:
                // The last step: the lock goes in the same round trip.
                await _store.CommitStagedStateAndReleaseLockAsync(run.Holder, cancellationToken).ConfigureAwait(false);
                run.StateStaged = false;
                run.JournalClosed = true;
                run.LockReleased = true;
                break;
            case StepKind.CommitState when run.StateStaged:
                await _store.CommitStagedStateAsync(cancellationToken).ConfigureAwait(false);
                run.StateStaged = false;
                run.JournalClosed = true;
                break;
            case StepKind.CommitState:
                await _store.WriteStateAsync(plan.NewState, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new DeployException(DeployErrorCode.StateCorrupt, $"Unknown plan step kind {step.Kind}.");
        }
    }

    /// <summary>The staged upload of <paramref name="plan"/>'s new state: the one serialized early when it matches, else a fresh one.</summary>
    private async Task<Deploy.Core.Hosts.FileUpload?> TakeStagedStateAsync(Plan plan, Run run, CancellationToken cancellationToken)
    {
        if (run.PendingStage is { } pending)
        {
            run.PendingStage = null;
            var early = await pending.ConfigureAwait(false);
            if (ReferenceEquals(run.PendingState, plan.NewState) || early is null)
            {
                return early;
            }

            await _store.DiscardStagedStateAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _store.StageStateAsync(plan.NewState, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for an early staging that was not used and discards it.</summary>
    private async Task DiscardPendingStageAsync(Run run)
    {
        var pending = run.PendingStage;
        run.PendingStage = null;
        if (pending is null)
        {
            return;
        }

        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Staging failed: nothing to discard, and the apply's own outcome is what gets reported.
        }

        await _store.DiscardStagedStateAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Fail(PlanStep step, Run run, string message, int? exitCode, Exception? inner)
    {
        if (step.ErrorHandling == ErrorHandling.Continue)
        {
            Log.ServiceFailedContinuing(_logger, message);
            run.Progress?.Report(new SequenceProgress(SequenceEventKind.Warning, message + " (ErrorHandling=Continue)") { Step = step });
            return;
        }

        throw new DeployException(DeployErrorCode.ServiceFailed, message + ". The journal keeps the apply: fix the cause and apply again to resume at this step.", inner) { ExitCode = exitCode, Command = step.Service?.Command };
    }

    private static string Tail(string text) => text.Length <= 1000 ? text.Trim() : "..." + text[^1000..].Trim();

    private sealed class Run(IProgress<SequenceProgress>? progress, LockHolder holder)
    {
        public IProgress<SequenceProgress>? Progress { get; } = progress;

        public LockHolder Holder { get; } = holder;

        public bool LockReleased { get; set; }

        /// <summary>The journal write, when it runs alongside a first-step transfer (which waits for it before placing).</summary>
        public Task? JournalWrite { get; set; }

        public List<string> Actions { get; } = [];

        public int Files { get; set; }

        public long Bytes { get; set; }

        public bool StateStaged { get; set; }

        /// <summary>The state serialized early (before the lock), if any, and what it serializes.</summary>
        public Task<Deploy.Core.Hosts.FileUpload?>? PendingStage { get; set; }

        public TargetState? PendingState { get; set; }

        public bool JournalClosed { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "{Target}: completing an interrupted apply of {Total} steps")]
        public static partial void Resuming(ILogger logger, string target, int total);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "{Target} [{Index}/{Count}] {Step} -- {Reason}")]
        public static partial void Step(ILogger logger, string target, int index, int count, string step, string reason);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "{Message} (ErrorHandling=Continue)")]
        public static partial void ServiceFailedContinuing(ILogger logger, string message);

        [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "{Target}: taking over a stale lock: {Detail}")]
        public static partial void TakingOverStaleLock(ILogger logger, string target, string detail);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "{Target}: {Count} deployed files differ on the target from the record (first: {Path} {Reason}); they are sent again")]
        public static partial void Drift(ILogger logger, string target, int count, string path, string reason);
    }
}
