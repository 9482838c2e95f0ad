namespace Deploy.Core.Operations.Running;

/// <summary>A rollback step that failed.</summary>
/// <param name="Step">The step's name.</param>
/// <param name="Error">What went wrong.</param>
public sealed record StepFailure(string Step, Exception Error);

/// <summary>How a run ended. A step's failure is a result (the caller wraps it in its own error); journal and lock
/// failures outside steps are thrown.</summary>
public sealed record OperationOutcome
{
    /// <summary>Whether every step completed.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Whether the run continued an interrupted one (completed steps skipped).</summary>
    public bool Resumed { get; init; }

    /// <summary>The steps applied by this run, in order.</summary>
    public IReadOnlyList<string> Applied { get; init; } = [];

    /// <summary>The step that failed, if one did.</summary>
    public string? FailedStep { get; init; }

    /// <summary>The failure, if any.</summary>
    public Exception? Error { get; init; }

    /// <summary>Whether the run was rolled back (every rollback succeeded, the journal is gone).</summary>
    public bool RolledBack { get; init; }

    /// <summary>Rollbacks that failed (the journal then stays, in the rolling-back phase, for a later run).</summary>
    public IReadOnlyList<StepFailure> RollbackFailures { get; init; } = [];
}
