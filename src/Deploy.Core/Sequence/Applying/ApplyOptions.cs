using Deploy.Core.Operations.Running;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Applying;

/// <summary>Options for one apply (<see cref="SequenceApplier"/>).</summary>
public sealed record ApplyOptions
{
    /// <summary>Planner options (e.g. <see cref="PlanOptions.InitialStart"/>).</summary>
    public PlanOptions Plan { get; init; } = new();

    /// <summary>
    /// Take over a stale lock at once. A lock whose holder provably no longer exists (same machine, process gone)
    /// is taken over with a note (a log warning and a <see cref="SequenceEventKind.Warning"/> event) whether or not
    /// this is set. <value>The default is <c>false</c>.</value>
    /// </summary>
    public bool BreakStaleLock { get; init; }

    /// <summary>
    /// Called at every step boundary: boundary <c>i</c> comes right before step <c>i</c> of the plan, boundary
    /// <c>Count</c> after the last (fault injection, custom reporting). <value>The default is none.</value>
    /// </summary>
    public IOperationObserver? Observer { get; init; }

    /// <summary>
    /// How long every runtime service the apply starts must keep running before the state is recorded: the apply
    /// waits once, until the last one started has run this long, then checks them all; one that exited (a missing
    /// library, a wrong directory, a port in use) is reported with its exit code and the end of its log, handled per
    /// its component's <see cref="ErrorHandling"/>, and the next plan restarts it. <see cref="TimeSpan.Zero"/> turns
    /// the watch off. <value>The default is 1 second.</value>
    /// </summary>
    public TimeSpan RuntimeSettlePeriod { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Options for a <see cref="SequenceApplier"/>.</summary>
public sealed record SequenceApplierOptions
{
    /// <summary>The clock for StartupTimeout waits and lock times; <value>the default is <see cref="TimeProvider.System"/></value>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>A local directory caching the target's state across processes; <c>null</c> for memory only.</summary>
    public string? StateCacheDirectory { get; init; }
}

/// <summary>What an apply did.</summary>
/// <param name="Plan">The plan computed and applied (empty when the target was up to date).</param>
/// <param name="Resumed">The journal record of an interrupted apply that this apply completed, if any.</param>
/// <param name="ServiceActions">Service actions executed, in order (<c>stop Types runtime#0</c>, <c>run Types startup#0</c>, <c>wait 5000 ms (StartupTimeout)</c>...).</param>
/// <param name="FilesTransferred">Files sent.</param>
/// <param name="BytesTransferred">Bytes sent.</param>
public sealed record ApplyResult(Plan Plan, ApplyRecord? Resumed, IReadOnlyList<string> ServiceActions, int FilesTransferred, long BytesTransferred)
{
    /// <summary>Every service that failed (ErrorHandling=Ignore and Component ones; a Target one stops the apply with an exception instead).</summary>
    public IReadOnlyList<ServiceFailure> Failures { get; init; } = [];

    /// <summary>Components that failed with ErrorHandling=Component: their remaining steps were skipped, the next plan completes them.</summary>
    public IReadOnlyList<string> FailedComponents => Failures.Where(f => f.ErrorHandling == ErrorHandling.Component).Select(f => f.Component).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Whether the apply succeeded: no component failed (ignored failures do not count).</summary>
    public bool Succeeded => FailedComponents.Count == 0;

    /// <summary>Throws <see cref="Errors.DeployErrorCode.ServiceFailed"/> naming the failed components and their failures when <see cref="Succeeded"/> is false.</summary>
    public ApplyResult ThrowOnFailure()
    {
        if (Succeeded)
        {
            return this;
        }

        var lines = Failures.Where(f => f.ErrorHandling == ErrorHandling.Component).Select(f => $"  {f.Service}: {f.Message}");
        throw new Errors.DeployException(Errors.DeployErrorCode.ServiceFailed, $"Target {Plan.Target}: components failed (ErrorHandling=Component): {string.Join(", ", FailedComponents)}; the others were applied.\n{string.Join("\n", lines)}")
        {
            Service = FailedComponents[0],
        };
    }

    /// <summary>The wall time of each phase of the apply, by start (phases may overlap; a phase may occur twice). <value>Empty when not measured.</value></summary>
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];
}
