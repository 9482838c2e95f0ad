using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Operations.Running;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// The backend-agnostic lifecycle engine: plans (<see cref="PlanAsync"/>, the dry run), then applies under the
/// product's lock on every host through the operations core (<see cref="OperationRunner{TContext, TPayload}"/> with
/// the journal on the targets): a killed run is resumed by the next run of the same operation, or rolled back by
/// the next run of another one. Each run records a numbered release on every host (<see cref="HistoryAsync"/>).
/// </summary>
/// <param name="backend">Where the services run.</param>
/// <param name="timeProvider">The clock; <c>null</c> for the system clock.</param>
/// <param name="observer">Called at every step boundary of a run (tests pause a child there and kill it); <c>null</c> for none.</param>
public sealed class LifecycleEngine(ILifecycleBackend backend, TimeProvider? timeProvider = null, IOperationObserver? observer = null)
{
    /// <summary>The journal kind of lifecycle runs.</summary>
    public const string JournalKind = "lifecycle";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly RunPreparation _preparation = new(backend);
    private readonly HookOperations _hooks = new(backend, new RunPreparation(backend));

    /// <summary>How many of the latest succeeded releases keep their payload (service folders) on the targets, so that
    /// <see cref="ReleaseInputAsync"/> (a rollback with no package) works for them; older payloads are pruned.
    /// <value>The default is 3.</value></summary>
    public int KeptReleasePayloads { get; init; } = 3;

    /// <summary>
    /// The input of release <paramref name="revision"/> (the one before the current when <c>null</c>, as
    /// <c>rollback</c> picks it) rebuilt from what the targets keep: its <c>product.yaml</c> and service folders are
    /// copied into the local <paramref name="directory"/> and loaded; the schedule is where that release ran its
    /// services. Give it to <see cref="RunAsync"/> with a <see cref="LifecycleOperation.Rollback"/> request of the same
    /// revision: a rollback with no package. A release whose payload was pruned (older than the last
    /// <see cref="KeptReleasePayloads"/>) or never kept is <see cref="DeployErrorCode.ReleasePayloadMissing"/>.
    /// </summary>
    public async Task<LifecycleInput> ReleaseInputAsync(int? revision, string directory, IReadOnlyDictionary<string, object?>? siteValues = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var target = ReleaseLookup.Revision(await HistoryAsync(cancellationToken).ConfigureAwait(false), revision);
        return await ReleaseLookup.InputAsync(backend, target, KeptReleasePayloads, directory, siteValues, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The releases recorded on the targets, merged across hosts (<c>history</c>; <c>status</c> is its <see cref="ReleaseHistory.Current"/>).</summary>
    public async Task<ReleaseHistory> HistoryAsync(CancellationToken cancellationToken = default) =>
        ReleaseHistory.Merge(await backend.ReadReleasesAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// <c>precheck</c>: checks every host of <paramref name="input"/>'s schedule, in parallel, for what the schedule
    /// places there and is not installed yet. Writes nothing: <see cref="PrecheckRunner.WriteFilesAsync"/> writes
    /// <c>check_result.yaml</c> and <c>scheduled.yaml</c> (the result carries the schedule), byte-identical for the same input.
    /// </summary>
    public async Task<CheckResult> PrecheckAsync(LifecycleInput input, PrecheckOptions? options = null, IProgress<CheckOutcome>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var current = (await HistoryAsync(cancellationToken).ConfigureAwait(false)).Current;
        return await PrecheckGate.RunAsync(backend, input.Product, input.Schedule, current, options ?? new PrecheckOptions(), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Plans <paramref name="request"/> without changing anything (the dry run). An upgrade's config
    /// conflicts are reported here (<see cref="DeployErrorCode.MergeConflict"/> with both sides) unless the request settles them.</summary>
    public async Task<LifecyclePlan> PlanAsync(LifecycleInput input, LifecycleRequest request, CancellationToken cancellationToken = default) =>
        (await _preparation.PrepareAsync(input, request, await HistoryAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)).Plan;

    /// <summary>
    /// Applies <paramref name="request"/>: lock every host, finish (resume) an interrupted run of the same operation
    /// and version or roll back any other, plan, journal, run the waves, auto-test, record the release. A failed
    /// run is rolled back, recorded as such, and thrown as a <see cref="DeployException"/> naming the service and host.
    /// </summary>
    public async Task<LifecycleResult> RunAsync(LifecycleInput input, LifecycleRequest request, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(request);
        var clock = new LifecyclePhaseClock(_time);
        await using var locks = await clock.TimeAsync(LifecyclePhase.Lock, () => backend.LockAsync(request.Operation.ToString().ToLowerInvariant(), progress, cancellationToken)).ConfigureAwait(false);
        var reading = clock.Now();
        // The releases (every host) and the journal (the first) are independent reads: one round trip's wait for both.
        var reads = HistoryAsync(cancellationToken);
        var journalRead = backend.Journal.ReadAsync<LifecycleJournal>(JournalKind, cancellationToken);
        await Task.WhenAll(reads, journalRead).ConfigureAwait(false);
        var history = await reads.ConfigureAwait(false);
        var interrupted = await journalRead.ConfigureAwait(false);
        clock.Record(LifecyclePhase.ReadReleases, reading);
        LifecycleJournal? resume = null;
        if (interrupted is not null)
        {
            var old = interrupted.Payload;
            if (old.Plan.Operation == request.Operation && old.Plan.Version == input.Product.Version.ToString() && old.Plan.Product == input.Product.Name && interrupted.Phase == Operations.Journaling.OperationPhase.Applying)
            {
                resume = old;
                progress?.Report(new LifecycleProgress(LifecycleEventKind.Resuming, $"resuming {old.Plan.Operation.ToString().ToLowerInvariant()} {old.Plan.Version} (release {old.Number}) started by {old.User}@{old.Machine}"));
            }
            else
            {
                await RollBackInterruptedAsync(input, interrupted, history, progress, cancellationToken).ConfigureAwait(false);
                history = await HistoryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var prepared = await _preparation.PrepareAsync(input, resume is null ? request : request with { Services = [], AddOns = [] }, history, cancellationToken, resume?.Plan, clock).ConfigureAwait(false);
        var precheck = resume is null && request.Precheck is { } checks
            ? await clock.TimeAsync(LifecyclePhase.Precheck, () => GateAsync(input, prepared.Plan, history.Current, checks, progress, cancellationToken)).ConfigureAwait(false)
            : null;
        var journal = resume ?? new LifecycleJournal(prepared.Plan, history.NextNumber, Environment.UserName, Environment.MachineName, _time.GetUtcNow());
        var productFile = File.Exists(input.Product.SourceFile) ? await File.ReadAllTextAsync(input.Product.SourceFile, cancellationToken).ConfigureAwait(false) : null;
        var run = NewRun(input, journal, history, prepared, progress, productFile, clock);
        foreach (var key in journal.Done)
        {
            run.Done[key] = true;
        }

        foreach (var l in journal.LeftOver)
        {
            run.LeftOver[l.Service + "@" + l.Host] = l;
        }

        progress?.Report(new LifecycleProgress(LifecycleEventKind.Planned, prepared.Plan.ToText()));
        var runner = Runner(prepared.Plan);
        var outcome = await runner.RunAsync(interrupted is not null && resume is not null ? interrupted : runner.NewJournal(run, null), run, null, cancellationToken).ConfigureAwait(false);
        var tests = prepared.Plan.AutoTest ? new AppTestReport(input.Product.Name, run.Tests) : null;
        progress?.Report(new LifecycleProgress(LifecycleEventKind.Timings, clock.Describe()));
        if (outcome.Succeeded)
        {
            return new LifecycleResult(prepared.Plan, run.Release(ReleaseOutcome.Succeeded, _time.GetUtcNow(), null)) { Resumed = outcome.Resumed || resume is not null, Tests = tests, Precheck = precheck, BytesByService = new SortedDictionary<string, long>(run.Bytes, StringComparer.Ordinal), Phases = clock.Snapshot() };
        }

        var e = outcome.Error as DeployException;
        if (!outcome.RolledBack)
        {
            // Cancelled (the journal stays: the next run resumes it) or a rollback failed (the journal stays in the
            // rolling-back phase: the next run finishes the rollback). The next run records the release.
            throw new DeployException(outcome.Error is OperationCanceledException ? DeployErrorCode.Cancelled : DeployErrorCode.RollbackFailed, $"{request.Operation} of {input.Product.Name} {input.Product.Version} stopped at {outcome.FailedStep} ({outcome.Error?.Message}); the journal on {backend.Hosts[0]} stays: the next run {(outcome.Error is OperationCanceledException ? "resumes it" : "finishes rolling it back")}.", outcome.Error) { Service = e?.Service, Host = e?.Host, Path = e?.Path };
        }

        var failed = run.Release(ReleaseOutcome.RolledBack, _time.GetUtcNow(), outcome.Error?.Message);
        await backend.WriteReleaseAsync(failed, CancellationToken.None).ConfigureAwait(false);
        progress?.Report(new LifecycleProgress(LifecycleEventKind.RollingBack, $"{request.Operation.ToString().ToLowerInvariant()} failed at {outcome.FailedStep}; rolled back; release {failed.Number} recorded as {failed.Outcome}"));
        throw new DeployException(e?.Code ?? DeployErrorCode.InstallFailed, $"{request.Operation} of {input.Product.Name} {input.Product.Version} failed at {outcome.FailedStep} and was rolled back: {outcome.Error?.Message}", outcome.Error) { Service = e?.Service, Host = e?.Host, Path = e?.Path };
    }

    /// <summary>Runs the test hooks of <paramref name="services"/> (all installed services with a test hook when empty)
    /// on every host running them (<c>apptest</c>); writes JUnit XML and a summary into <paramref name="outputDirectory"/> when given.</summary>
    public async Task<AppTestReport> AppTestAsync(LifecycleInput input, IReadOnlyList<string>? services = null, string? outputDirectory = null, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await _hooks.AppTestAsync(input, services, outputDirectory, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>reset --confirm &lt;product&gt;</c>: runs the reset hook of <paramref name="services"/> (every installed
    /// service with one when empty; middleware first) on every host running it, under the product's lock. With
    /// <paramref name="dryRun"/> nothing runs and the plan lists exactly what would be wiped. Without
    /// <paramref name="confirm"/> equal to the product name it refuses (<see cref="DeployErrorCode.InvalidArgument"/>).
    /// </summary>
    public async Task<ResetPlan> ResetAsync(LifecycleInput input, string? confirm, bool dryRun = false, IReadOnlyList<string>? services = null, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await _hooks.ResetAsync(input, confirm, dryRun, services, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CheckResult?> GateAsync(LifecycleInput input, LifecyclePlan plan, Releases.ReleaseRecord? current, PrecheckOptions options, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var fresh = PrecheckGate.Of(plan, current);
        if (fresh.Services.Count == 0)
        {
            return null;
        }

        var result = await PrecheckGate.RunAsync(backend, input.Product, fresh, current, options, null, cancellationToken).ConfigureAwait(false);
        foreach (var w in result.Warnings)
        {
            progress?.Report(new LifecycleProgress(LifecycleEventKind.Warning, $"[{w.Host}] precheck {w.Check}: {w.Message}") { Host = w.Host });
        }

        return result.ThrowOnFailure();
    }

    private async Task RollBackInterruptedAsync(LifecycleInput input, Operations.Journaling.OperationJournal<LifecycleJournal> interrupted, ReleaseHistory history, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var old = interrupted.Payload;
        progress?.Report(new LifecycleProgress(LifecycleEventKind.RollingBack, $"rolling back an interrupted {old.Plan.Operation.ToString().ToLowerInvariant()} {old.Plan.Version} (release {old.Number}) started by {old.User}@{old.Machine}"));
        var prepared = await _preparation.PrepareAsync(input, new LifecycleRequest(old.Plan.Operation) { Conflicts = ConflictResolution.TakeNew }, history, cancellationToken, old.Plan).ConfigureAwait(false);
        var run = NewRun(input, old, history, prepared, progress);
        var failures = await Runner(old.Plan).RollBackAsync(interrupted, run, null, cancellationToken).ConfigureAwait(false);
        await backend.WriteReleaseAsync(run.Release(failures.Count == 0 ? ReleaseOutcome.RolledBack : ReleaseOutcome.Failed, _time.GetUtcNow(), "interrupted; rolled back by the next run"), cancellationToken).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            throw new DeployException(DeployErrorCode.RollbackFailed, $"Rolling back the interrupted {old.Plan.Operation} failed: {string.Join("; ", failures.Select(f => $"{f.Step}: {f.Error.Message}"))}", failures[0].Error);
        }
    }

    private LifecycleRun NewRun(LifecycleInput input, LifecycleJournal journal, ReleaseHistory history, Prepared prepared, IProgress<LifecycleProgress>? progress, string? productFile = null, LifecyclePhaseClock? clock = null) => new()
    {
        Clock = clock ?? new LifecyclePhaseClock(_time),
        ProductFile = productFile,
        KeptPayloads = history.Releases.Where(r => r.Outcome == ReleaseOutcome.Succeeded && r.Payload is not null).TakeLast(Math.Max(0, KeptReleasePayloads - 1)).SelectMany(r => r.Payload!.Keys).ToHashSet(StringComparer.Ordinal),
        Backend = backend,
        Product = input.Product,
        Journal = journal,
        Previous = journal.Plan.BaseRelease is { } n ? history.Get(n) : null,
        Rendered = prepared.Rendered,
        Configs = prepared.Configs,
        LiveBefore = prepared.Live,
        PreviousRendered = prepared.PreviousRendered,
        Progress = progress,
    };

    private OperationRunner<LifecycleRun, LifecycleJournal> Runner(LifecyclePlan plan)
    {
        // A wave whose steps all keep their service has nothing to do: no step, so no journal write for it. A parallel
        // install or upgrade runs its waves as one dependency graph (StepGraph).
        var waves = plan.Waves.Where(w => w.Steps.Any(s => s.Action != LifecycleAction.Keep)).ToList();
        var steps = new List<IOperationStep<LifecycleRun>>(StepGraph.Applies(plan, waves) ? [new WaveStep(waves)] : waves.Select(w => new WaveStep(w)));
        if (plan.AutoTest)
        {
            steps.Add(new AutoTestStep());
        }

        steps.Add(new RecordStep(_time));
        return new OperationRunner<LifecycleRun, LifecycleJournal>(backend.Journal, JournalKind, steps, r => r.Payload(), new OperationRunOptions { TimeProvider = _time, Observer = observer });
    }
}
