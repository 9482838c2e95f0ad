namespace Deploy.Core.Operations.Locking;

/// <summary>Options of a <see cref="HostLock"/>.</summary>
public sealed record HostLockOptions
{
    /// <summary>
    /// How often a held lock's heartbeat is renewed (<c>touch -h</c> of the lock, one cheap command); <c>null</c> or
    /// zero renews never (then a live holder on another machine is only recognized by its record).
    /// <value>The default is 30 seconds: an operation shorter than that costs no extra round trip.</value>
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How old a heartbeat (the lock's modification time, measured by the host's own clock) must be for the lock to
    /// be stale, whoever holds it. <value>The default is 5 minutes (ten missed heartbeats).</value>
    /// </summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a stale lock (holder provably dead on this machine, or heartbeat expired) is taken over, with a note
    /// in the log, the progress and <see cref="LockLease.TakenOver"/>; when <c>false</c> it is refused with
    /// <see cref="Errors.DeployErrorCode.StaleLock"/>. <value>The default is <c>true</c>.</value>
    /// </summary>
    public bool TakeOverStale { get; init; } = true;

    /// <summary>
    /// Whether the lock is taken over even from a holder that looks alive (the user said it is not). The note names
    /// the holder. <value>The default is <c>false</c>.</value>
    /// </summary>
    public bool ForceTakeOver { get; init; }

    /// <summary>The clock driving heartbeats. <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The one staleness rule of every <see cref="IOperationLock"/>: why a lock held by <paramref name="holder"/>,
    /// last renewed <paramref name="heartbeatAge"/> ago, may be taken over (holder provably dead on this machine,
    /// heartbeat older than <see cref="StaleAfter"/>, or <see cref="ForceTakeOver"/>); <c>null</c> when it is live.
    /// </summary>
    /// <param name="holder">The current holder.</param>
    /// <param name="heartbeatAge">How long ago it last renewed the lock.</param>
    public LockTakeoverReason? StaleReason(LockHolder holder, TimeSpan heartbeatAge)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (holder.IsProvablyGone())
        {
            return LockTakeoverReason.HolderDead;
        }

        if (heartbeatAge > StaleAfter)
        {
            return LockTakeoverReason.HeartbeatExpired;
        }

        return ForceTakeOver ? LockTakeoverReason.Forced : null;
    }
}
