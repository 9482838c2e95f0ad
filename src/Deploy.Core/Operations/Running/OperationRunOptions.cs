using Microsoft.Extensions.Logging;

namespace Deploy.Core.Operations.Running;

/// <summary>Options of an <see cref="OperationRunner{TContext, TPayload}"/>.</summary>
public sealed record OperationRunOptions
{
    /// <summary>Called at every step boundary. <value>The default is none.</value></summary>
    public IOperationObserver? Observer { get; init; }

    /// <summary>
    /// Whether a step's failure rolls back the steps run so far (the failed one first: it may have half-applied);
    /// when <c>false</c> the journal stays and a later run resumes. <value>The default is <c>true</c>.</value>
    /// </summary>
    public bool RollBackOnFailure { get; init; } = true;

    /// <summary>Whether cancellation rolls back too; when <c>false</c> the journal stays for the next run.
    /// <value>The default is <c>false</c>.</value></summary>
    public bool RollBackOnCancel { get; init; }

    /// <summary>Whether the journal is deleted when the run completes (or was rolled back completely); turn off when
    /// the last step closes it itself. <value>The default is <c>true</c>.</value></summary>
    public bool DeleteJournalWhenDone { get; init; } = true;

    /// <summary>The clock (journal start times). <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where step and rollback messages go. <value>None.</value></summary>
    public ILogger? Logger { get; init; }
}
