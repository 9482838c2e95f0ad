using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// Where the sequence engine keeps its records on a target: the state of the last completed apply, the journal of
/// an apply in progress (the operations core's one journal, an <see cref="ApplyRecord"/> as its payload), and the
/// lock (the operations core's <see cref="HostLock"/>). <see cref="HostStateStore"/> keeps them in files on an
/// <see cref="Hosts.IHost"/>; another backend can implement the same contract.
/// </summary>
public interface ITargetStateStore
{
    /// <summary>Reads the state, whether a journal exists, and the lock holder, in as few round trips as possible.</summary>
    Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the state atomically.</summary>
    Task WriteStateAsync(TargetState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Prepares <paramref name="state"/> to travel with the bulk file transfer: returns the upload (to a staging
    /// name that no reader looks at) or <c>null</c> when this store cannot stage. <see cref="CommitStagedStateAsync"/>
    /// later makes it the state in one cheap, atomic step.
    /// </summary>
    Task<Hosts.FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default);

    /// <summary>Makes the state staged by <see cref="StageStateAsync"/> (and transferred) the recorded state and
    /// deletes the journal, in one step.</summary>
    Task CommitStagedStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="CommitStagedStateAsync"/>, then <see cref="ReleaseLockAsync"/> for <paramref name="holder"/>: the
    /// last two records of an apply, which a store can write in one round trip. The default calls the two in turn.
    /// </summary>
    async Task CommitStagedStateAndReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default)
    {
        await CommitStagedStateAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseLockAsync(holder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forgets a state staged by <see cref="StageStateAsync"/> that will not be committed (the apply failed before
    /// its commit step): releases whatever local resources staging took. The default does nothing.
    /// </summary>
    Task DiscardStagedStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// The journal of an apply in progress (kind <see cref="ApplyRecord.JournalKind"/>, an <see cref="ApplyRecord"/>
    /// as its payload), written by the operations core's runner before the first step changes anything.
    /// </summary>
    IJournalStore Journal { get; }

    /// <summary>
    /// Takes the lock for <paramref name="holder"/>. Throws <see cref="Errors.DeployErrorCode.LockHeld"/> naming the
    /// holder when another apply holds it, or <see cref="Errors.DeployErrorCode.StaleLock"/> when its holder is gone
    /// (unless <paramref name="breakStale"/> is set, which takes a stale lock over explicitly).
    /// </summary>
    Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads as <see cref="ReadAsync"/>, right after <see cref="AcquireLockAsync"/> succeeded: what the lock now
    /// guards. A store may answer from what it saw while taking the lock (no round trip of its own). The default
    /// calls <see cref="ReadAsync"/>.
    /// </summary>
    Task<TargetSnapshot> ReadLockedAsync(CancellationToken cancellationToken = default) => ReadAsync(cancellationToken);

    /// <summary>Releases the lock if <paramref name="holder"/> holds it.</summary>
    Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="ITargetStateStore.ReadAsync"/> found.</summary>
/// <param name="State">The recorded state, or <c>null</c> when nothing was deployed.</param>
/// <param name="HasJournal">Whether an interrupted apply left a journal.</param>
/// <param name="Lock">The lock holder, when the target is locked.</param>
public sealed record TargetSnapshot(TargetState? State, bool HasJournal, LockHolder? Lock);
