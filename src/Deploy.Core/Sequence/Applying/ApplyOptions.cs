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
    /// <summary>The wall time of each phase of the apply, by start (phases may overlap; a phase may occur twice). <value>Empty when not measured.</value></summary>
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];
}
