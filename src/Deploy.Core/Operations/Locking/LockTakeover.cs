namespace Deploy.Core.Operations.Locking;

/// <summary>Why a lock was taken over from its previous holder.</summary>
public enum LockTakeoverReason
{
    /// <summary>The holder ran on this machine and its process no longer exists (or is a zombie).</summary>
    HolderDead,

    /// <summary>The holder's heartbeat is older than <see cref="HostLockOptions.StaleAfter"/>.</summary>
    HeartbeatExpired,

    /// <summary>The caller asked for it (<see cref="HostLockOptions.ForceTakeOver"/>).</summary>
    Forced,
}

/// <summary>The note kept when a lock was taken over: whose it was, why, and how old its heartbeat was.</summary>
/// <param name="Previous">The previous holder.</param>
/// <param name="Reason">Why it was taken over.</param>
/// <param name="HeartbeatAge">How long ago the previous holder last renewed the lock (host clock).</param>
public sealed record LockTakeover(LockHolder Previous, LockTakeoverReason Reason, TimeSpan HeartbeatAge)
{
    /// <summary>A sentence for logs and progress.</summary>
    public string Describe() => Reason switch
    {
        LockTakeoverReason.HolderDead => $"took over the lock of {Previous}: that process no longer exists",
        LockTakeoverReason.HeartbeatExpired => $"took over the lock of {Previous}: its heartbeat is {HeartbeatAge.TotalSeconds:0} s old",
        _ => $"took over the lock of {Previous} as asked",
    };
}
