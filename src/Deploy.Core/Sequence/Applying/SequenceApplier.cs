using System.Runtime.ExceptionServices;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
using Deploy.Core.Sequence.Drift;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// Applies plans to one target: the side-effect half of the sequence engine. An apply reads the target's records
/// (one round trip when nothing changed), and when there is work: takes the lock, reads the journal of an
/// interrupted apply if there is one, plans (a recovery plan completes the interrupted one with the current
/// definitions: its files are sent again, its components restarted or reinstalled again), and runs the plan on the
/// operations core (<see cref="OperationRunner{TContext, TPayload}"/>: the journal first, then the steps, the last of
/// which records the new state, deletes the journal and releases the lock). Killed at any point,
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
        var planOptions = await WithDriftAsync(desired, snapshot.State, options ?? new PlanOptions(), cancellationToken).ConfigureAwait(false);
        var journal = snapshot.HasJournal ? await _store.Journal.ReadAsync<ApplyRecord>(ApplyRecord.JournalKind, cancellationToken).ConfigureAwait(false) : null;
        return journal is null ? SequencePlanner.Plan(desired, snapshot.State, planOptions) : PlanPending(desired, snapshot.State, planOptions, journal).Plan;
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
            SequenceLog.Drift(_logger, desired.Definition.Name, drift.Files.Count, drift.Files[0].Path, drift.Files[0].Reason);
        }

        return options with { Drift = drift };
    }

    /// <summary>
    /// Scans <paramref name="target"/>'s local files while reading the target's records (the two overlap), then
    /// applies as <see cref="ApplyAsync(DesiredTarget, ApplyOptions?, IProgress{SequenceProgress}?, CancellationToken)"/>.
    /// A target with no records, journal or lock gets its first deploy whatever the scan finds, so its lock is taken
    /// while the scan still runs.
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(TargetDefinition target, ApplyOptions? options = null, IProgress<SequenceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new ApplyOptions();
        var clock = new PhaseClock(_options.TimeProvider);
        // The read first: it sends its command and awaits the answer, while the scan, which runs on this thread (and
        // a pool thread) until it is done, has only stat calls to make. Started the other way round, the read would
        // wait for the whole scan.
        var read = clock.TimeAsync(ApplyPhase.StateRead, () => _store.ReadAsync(cancellationToken));
        var holder = LockHolder.ForCurrentProcess(ApplyRecord.JournalKind, _options.TimeProvider);
        var locking = LockIfUnrecordedAsync(target.Name, read, holder, options, progress, clock, cancellationToken);
        var scan = clock.TimeAsync(ApplyPhase.Scan, () => DesiredTarget.ScanAsync(target, cancellationToken));
        var early = new EarlyLock(holder, locking);
        try
        {
            await Task.WhenAll(scan, read).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Not an aggregate: the scan's own exception, else the read's; a lock taken meanwhile is released.
            await ReleaseEarlyLockAsync(early).ConfigureAwait(false);
            Task first = scan.IsFaulted || scan.IsCanceled ? scan : read;
            await first.ConfigureAwait(false);
            throw;
        }

        return await ApplyCoreAsync(await scan.ConfigureAwait(false), await read.ConfigureAwait(false), options, progress, clock, early, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A lock acquisition started before the plan (<see cref="LockIfUnrecordedAsync"/>): true once taken, false when not attempted.</summary>
    private sealed record EarlyLock(LockHolder Holder, Task<bool> Taken);

    /// <summary>Waits for an early acquisition to end and releases the lock if it was taken (its failure is not this caller's error).</summary>
    private async Task ReleaseEarlyLockAsync(EarlyLock? early)
    {
        if (early is null)
        {
            return;
        }

        await early.Taken.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        if (early.Taken.IsCompletedSuccessfully && early.Taken.Result)
        {
            await _store.ReleaseLockAsync(early.Holder, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            _ = early.Taken.Exception; // observed: the caller reports its own error
        }
    }

    /// <summary>
    /// Takes the lock as soon as <paramref name="read"/> shows a target with no records, journal or lock (its first
    /// deploy, which the lock cannot be spared), while the scan and the plan go on; true when it did. Otherwise the
    /// plan decides: a no-op apply never takes the lock.
    /// </summary>
    private async Task<bool> LockIfUnrecordedAsync(string target, Task<TargetSnapshot> read, LockHolder holder, ApplyOptions options, IProgress<SequenceProgress>? progress, PhaseClock clock, CancellationToken cancellationToken)
    {
        var snapshot = await read.ConfigureAwait(false);
        if (snapshot.State is not null || snapshot.HasJournal || snapshot.Lock is not null)
        {
            return false;
        }

        await clock.TimeAsync(ApplyPhase.Lock, () => AcquireLockAsync(target, holder, options.BreakStaleLock, progress, cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Brings the target to <paramref name="desired"/>.</summary>
    public async Task<ApplyResult> ApplyAsync(DesiredTarget desired, ApplyOptions? options = null, IProgress<SequenceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var clock = new PhaseClock(_options.TimeProvider);
        var snapshot = await clock.TimeAsync(ApplyPhase.StateRead, () => _store.ReadAsync(cancellationToken)).ConfigureAwait(false);
        return await ApplyCoreAsync(desired, snapshot, options ?? new ApplyOptions(), progress, clock, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Plans, and applies a plan that is not empty under the lock: the <paramref name="early"/> one when it was taken,
    /// else one taken here once the plan is not empty.
    /// </summary>
    private async Task<ApplyResult> ApplyCoreAsync(DesiredTarget desired, TargetSnapshot snapshot, ApplyOptions options, IProgress<SequenceProgress>? progress, PhaseClock clock, EarlyLock? early, CancellationToken cancellationToken)
    {
        Plan? quick = null;
        PlanOptions firstOptions;
        try
        {
            firstOptions = await WithDriftAsync(desired, snapshot.State, options.Plan, cancellationToken).ConfigureAwait(false);
            if (!snapshot.HasJournal && snapshot.Lock is null)
            {
                var planning = clock.Now();
                quick = SequencePlanner.Plan(desired, snapshot.State, firstOptions);
                clock.Record(ApplyPhase.Plan, planning);
                if (quick.IsEmpty)
                {
                    await ReleaseEarlyLockAsync(early).ConfigureAwait(false);
                    progress?.Report(new SequenceProgress(SequenceEventKind.UpToDate, $"{desired.Definition.Name} is up to date"));
                    return new ApplyResult(quick, null, [], 0, 0) { Phases = clock.Snapshot() };
                }
            }
        }
        catch (Exception) when (early is not null)
        {
            await ReleaseEarlyLockAsync(early).ConfigureAwait(false);
            throw;
        }

        var holder = early?.Holder ?? LockHolder.ForCurrentProcess(ApplyRecord.JournalKind, _options.TimeProvider);
        var run = new ApplyRun(_store, _services, _transport, _options.TimeProvider, _logger, progress, holder) { SettlePeriod = options.RuntimeSettlePeriod, Clock = clock };
        // The new state depends on the desired target alone: serialize it (megabytes for 10,000 files) while the
        // lock, the re-read and the journal take their round trips.
        if (quick is not null && quick.Steps.Any(s => s.Kind == StepKind.TransferFiles))
        {
            run.PendingState = quick.NewState;
            run.PendingStage = Task.Run(() => clock.TimeAsync(ApplyPhase.StateStage, () => _store.StageStateAsync(quick.NewState, cancellationToken)), cancellationToken);
        }

        try
        {
            if (early is null || !await early.Taken.ConfigureAwait(false))
            {
                await clock.TimeAsync(ApplyPhase.Lock, () => AcquireLockAsync(desired.Definition.Name, holder, options.BreakStaleLock, progress, cancellationToken)).ConfigureAwait(false);
            }
        }
        catch
        {
            await run.DiscardPendingStageAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            // Read again under the lock: another apply may have finished since the first read (the lock's own
            // command listed the records, so this costs a round trip only when the state changed meanwhile).
            var current = await clock.TimeAsync(ApplyPhase.StateRead, () => _store.ReadLockedAsync(cancellationToken)).ConfigureAwait(false);
            var planOptions = ReferenceEquals(current.State, snapshot.State)
                ? firstOptions
                : await WithDriftAsync(desired, current.State, options.Plan, cancellationToken).ConfigureAwait(false);
            var journal = current.HasJournal
                ? await _store.Journal.ReadAsync<ApplyRecord>(ApplyRecord.JournalKind, cancellationToken).ConfigureAwait(false)
                : null;
            var resumed = journal?.Payload;
            Plan plan;
            var continued = false;
            if (journal is not null)
            {
                (plan, continued) = PlanPending(desired, current.State, planOptions, journal);
                SequenceLog.Resuming(_logger, journal.Payload.Target, journal.Payload.StepCount);
                progress?.Report(new SequenceProgress(SequenceEventKind.Resuming, plan.Pending!) { StepCount = plan.Steps.Count });
            }
            else
            {
                // Same state object (the store's cache validated it) and no journal: the first plan still holds.
                var replanning = clock.Now();
                plan = quick is not null && ReferenceEquals(current.State, snapshot.State) ? quick : SequencePlanner.Plan(desired, current.State, planOptions);
                if (!ReferenceEquals(plan, quick))
                {
                    clock.Record(ApplyPhase.Plan, replanning);
                }
            }

            if (!plan.IsEmpty)
            {
                await RunAsync(plan, continued ? journal!.Payload : ApplyRecord.Of(plan, current.State), run, options, continued ? journal : null, cancellationToken).ConfigureAwait(false);
            }

            run.ThrowIfAborted();
            return new ApplyResult(plan, resumed, run.Actions, run.Files, run.Bytes) { Failures = run.Failures, Phases = clock.Snapshot() };
        }
        finally
        {
            if (run.PendingStage is not null)
            {
                await run.DiscardPendingStageAsync().ConfigureAwait(false);
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
    /// Runs <paramref name="plan"/> on the operations core's one step runner: the journal (an <see cref="ApplyRecord"/>
    /// as its payload) is written before the first side effect (while the bytes of a first-step transfer travel: the
    /// transfer places nothing before it is written), then every step in order. A failed step leaves the journal for
    /// the next apply, which completes this one; the runner never rolls an apply back, and it has awaited its journal
    /// write when it returns, so the lock is never released under a write in flight.
    /// </summary>
    private static async Task RunAsync(Plan plan, ApplyRecord record, ApplyRun run, ApplyOptions options, OperationJournal<ApplyRecord>? continued, CancellationToken cancellationToken)
    {
        run.Plan = plan;
        run.Record = record;
        var runner = new OperationRunner<ApplyRun, ApplyRecord>(
            new TimedJournalStore(run.Store.Journal, run.Clock, () => run.CommittedWithTransfer),
            ApplyRecord.JournalKind,
            plan.Steps.Select(PlanStepOperation.For).ToArray(),
            static r => r.Record,
            new OperationRunOptions
            {
                Observer = options.Observer,
                RollBackOnFailure = false,
                RollBackOnCancel = false,
                DeleteJournalWhenDone = false, // the commit step closes it (with the state, and the lock, in one round trip)
                TimeProvider = run.Time,
            });
        // A journal that recorded its completed steps for this very plan is continued: they are skipped.
        var journal = continued is null ? runner.NewJournal(run, run.Holder) : continued with { Holder = run.Holder };
        var outcome = await runner.RunAsync(journal, run, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (outcome.Error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
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
            SequenceLog.TakingOverStaleLock(_logger, target, e.Message);
            progress?.Report(new SequenceProgress(SequenceEventKind.Warning, $"{target}: taking over a stale lock ({e.Message})"));
            await _store.AcquireLockAsync(holder, breakStale: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
