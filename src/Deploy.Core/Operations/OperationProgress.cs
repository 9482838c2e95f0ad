namespace Deploy.Core.Operations;

/// <summary>What an <see cref="OperationProgress"/> event reports.</summary>
public enum OperationEventKind
{
    /// <summary>A stale lock was taken over (the message names the previous holder and why).</summary>
    LockTakenOver,

    /// <summary>An interrupted run was found; it is being completed forward.</summary>
    Resuming,

    /// <summary>Steps are being rolled back (after a failure, or an interrupted run found by a later one).</summary>
    RollingBack,

    /// <summary>A step is about to run.</summary>
    StepStarted,

    /// <summary>A step completed.</summary>
    StepCompleted,

    /// <summary>A step was rolled back.</summary>
    StepRolledBack,

    /// <summary>Something worth knowing that did not stop the run (e.g. a rollback step that failed).</summary>
    Warning,

    /// <summary>The run completed.</summary>
    Completed,

    /// <summary>The run was rolled back completely.</summary>
    RolledBack,
}

/// <summary>A typed progress event of an operation (lock, journal, steps).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Operation">The operation's kind, e.g. <c>package-install</c>.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record OperationProgress(OperationEventKind Kind, string Operation, string Message)
{
    /// <summary>The step concerned, if any.</summary>
    public string? Step { get; init; }

    /// <summary>The step's 0-based index, or -1.</summary>
    public int StepIndex { get; init; } = -1;

    /// <summary>How many steps the run has (0 when not known).</summary>
    public int StepCount { get; init; }
}
