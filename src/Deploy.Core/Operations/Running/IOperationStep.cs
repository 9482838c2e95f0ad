namespace Deploy.Core.Operations.Running;

/// <summary>How a step's completion is journaled.</summary>
public enum StepJournaling
{
    /// <summary>The journal is written after the step completes (one atomic write), before the next side effect.</summary>
    Recorded,

    /// <summary>
    /// No write of its own: re-running the step after a crash is harmless, so its completion is recorded with the
    /// next recorded step's (or never, when only unrecorded steps follow). Saves a round trip per step.
    /// </summary>
    Unrecorded,
}

/// <summary>
/// One step of an operation, with its undo (Calamari-style conventions: applied in order, rolled back in reverse).
/// A step's rollback runs after the step completed, after it failed half-way, or after the process was killed while
/// it ran (found by a later run in the journal), so it must tolerate partial work and work from the journal's
/// payload alone: the original inputs may be gone.
/// </summary>
/// <typeparam name="TContext">What the operation's steps share (host, options, payload...).</typeparam>
public interface IOperationStep<in TContext>
{
    /// <summary>The step's name, recorded in the journal (a later run matches steps by it: keep it stable).</summary>
    string Name { get; }

    /// <summary>How the step's completion is journaled. <value>The default is <see cref="StepJournaling.Recorded"/>.</value></summary>
    StepJournaling Journaling => StepJournaling.Recorded;

    /// <summary>Does the step.</summary>
    Task ApplyAsync(TContext context, CancellationToken cancellationToken);

    /// <summary>Undoes the step, whatever part of it was done (possibly none).</summary>
    Task RollbackAsync(TContext context, CancellationToken cancellationToken);

    /// <summary>Drops what was kept for a rollback, once every step succeeded. The default does nothing.</summary>
    Task CommitAsync(TContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A step that can start before the journal write preceding it has finished (e.g. bytes of a transfer travel while
/// the journal is written): it must not change the target before <c>journalWritten</c> completes, and fails with
/// its exception if it fails (e.g. <see cref="Hosts.IHost.UploadGatedAsync"/>).
/// </summary>
/// <typeparam name="TContext">What the operation's steps share.</typeparam>
public interface IGatedOperationStep<in TContext> : IOperationStep<TContext>
{
    /// <summary>Does the step, placing nothing before <paramref name="journalWritten"/> completes.</summary>
    Task ApplyAsync(TContext context, Task journalWritten, CancellationToken cancellationToken);
}

/// <summary>A step boundary: the moment before step <see cref="Index"/> (or after the last, when it equals <see cref="Count"/>).</summary>
/// <param name="Operation">The operation's kind.</param>
/// <param name="Index">0-based: boundary <c>i</c> comes right before step <c>i</c> runs and after the journal says steps before it are done.</param>
/// <param name="Count">How many steps the run has.</param>
/// <param name="NextStep">The step about to run; <c>null</c> at the last boundary.</param>
public sealed record OperationBoundary(string Operation, int Index, int Count, string? NextStep);

/// <summary>Called at every step boundary of a run (tests pause a child process there and kill it).</summary>
public interface IOperationObserver
{
    /// <summary>The run reached <paramref name="boundary"/>; the run waits for the returned task.</summary>
    Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken);
}
