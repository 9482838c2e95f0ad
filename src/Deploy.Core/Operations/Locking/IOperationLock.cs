namespace Deploy.Core.Operations.Locking;

/// <summary>
/// The one lock concept of the operations core, whatever keeps it: <see cref="HostLock"/> on a host (a symlink), or a
/// Kubernetes <c>Lease</c>. A lock holds a <see cref="LockHolder"/> record and a heartbeat; acquiring is atomic (two
/// takers never both win); a live holder is refused with <see cref="Errors.DeployErrorCode.LockHeld"/> naming it; a
/// stale one (<see cref="HostLockOptions.StaleReason"/>) is taken over with a note; the <see cref="LockLease"/>
/// renews the heartbeat and releases the lock only while it is still ours.
/// </summary>
public interface IOperationLock
{
    /// <summary>Where the lock is kept, for messages: a host name, or a cluster and namespace.</summary>
    string Target { get; }

    /// <summary>The lock's name at <see cref="Target"/>: a path on a host, <c>leases/&lt;namespace&gt;/&lt;name&gt;</c> on a cluster.</summary>
    string Path { get; }

    /// <summary>Heartbeat, staleness and takeover settings.</summary>
    HostLockOptions Options { get; }

    /// <summary>Takes the lock for <paramref name="holder"/>: when free at once; when stale, taken over (the lease says so).</summary>
    /// <param name="holder">The holder record to store.</param>
    /// <param name="progress">Receives <see cref="OperationEventKind.LockTakenOver"/> when a stale lock is taken over.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="Errors.DeployException"><see cref="Errors.DeployErrorCode.LockHeld"/> naming the live holder;
    /// <see cref="Errors.DeployErrorCode.StaleLock"/> when stale and <see cref="HostLockOptions.TakeOverStale"/> is off.</exception>
    Task<LockLease> AcquireAsync(LockHolder holder, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Reads who holds the lock and when they last renewed it; <c>null</c> when it is free.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<LockStatus?> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Renews the heartbeat (<paramref name="renew"/>) or releases the lock, only if <paramref name="holder"/>
    /// still holds it; returns whether it did. Called by <see cref="LockLease"/>.</summary>
    /// <param name="holder">The holder that took the lock.</param>
    /// <param name="renew"><c>true</c> to renew the heartbeat, <c>false</c> to release.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<bool> RenewOrReleaseAsync(LockHolder holder, bool renew, CancellationToken cancellationToken = default);
}

/// <summary>Helpers on <see cref="IOperationLock"/>.</summary>
public static class OperationLockExtensions
{
    /// <summary>Takes <paramref name="operationLock"/> for <paramref name="operation"/> of this process
    /// (<see cref="LockHolder.ForCurrentProcess"/>).</summary>
    /// <param name="operationLock">The lock.</param>
    /// <param name="operation">What this process is about to do (recorded in the holder).</param>
    /// <param name="progress">Receives the takeover note, if any.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    public static Task<LockLease> AcquireForAsync(this IOperationLock operationLock, string operation, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operationLock);
        return operationLock.AcquireAsync(LockHolder.ForCurrentProcess(operation, operationLock.Options.TimeProvider), progress, cancellationToken);
    }
}
