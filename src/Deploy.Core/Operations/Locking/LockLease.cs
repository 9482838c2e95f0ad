using Deploy.Core.Errors;

namespace Deploy.Core.Operations.Locking;

/// <summary>
/// A held <see cref="HostLock"/>: renews its heartbeat every <see cref="HostLockOptions.HeartbeatInterval"/> while
/// held, and releases it (only if still ours) when released or disposed. If a renewal finds the lock is no longer
/// ours (someone took it over), <see cref="Lost"/> is cancelled: an operation should stop changing the target.
/// </summary>
public sealed class LockLease : IAsyncDisposable
{
    private readonly HostLock _lock;
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer? _timer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _released;

    internal LockLease(HostLock hostLock, LockHolder holder, LockTakeover? takenOver)
    {
        _lock = hostLock;
        Holder = holder;
        TakenOver = takenOver;
        if (hostLock.Options.HeartbeatInterval is { } every && every > TimeSpan.Zero)
        {
            _timer = hostLock.Options.TimeProvider.CreateTimer(static s => _ = ((LockLease)s!).BeatAsync(), this, every, every);
        }
    }

    /// <summary>This holder.</summary>
    public LockHolder Holder { get; }

    /// <summary>The previous holder's note when a stale lock was taken over; <c>null</c> when the lock was free.</summary>
    public LockTakeover? TakenOver { get; }

    /// <summary>The lock's path on the target.</summary>
    public string Path => _lock.Path;

    /// <summary>
    /// The text the lock holds while it is ours (<see cref="LockHolder.Encode"/>). A script that releases the lock in
    /// the same round trip as its own last change removes <see cref="Path"/> only if <c>readlink</c> gives exactly
    /// this text, then the caller calls <see cref="MarkReleased"/>.
    /// </summary>
    public string Record => Holder.Encode();

    /// <summary>Cancelled when a heartbeat finds the lock taken by someone else.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Whether the lock was released (by <see cref="ReleaseAsync"/> or <see cref="MarkReleased"/>).</summary>
    public bool IsReleased => Volatile.Read(ref _released);

    /// <summary>Renews the heartbeat now (<c>touch -h</c> of the lock). Throws <see cref="DeployErrorCode.LockHeld"/>
    /// when the lock is no longer ours.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        if (!await TouchAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new DeployException(DeployErrorCode.LockHeld, $"The lock {Path} on {_lock.Host.Name} was taken over; stop and check who holds it.") { Host = _lock.Host.Name, Path = Path };
        }
    }

    /// <summary>Releases the lock if it is still ours (one round trip); returns whether it was.</summary>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        StopHeartbeat();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_released)
            {
                return false;
            }

            var ours = await _lock.ReleaseOrTouchAsync(Holder, touch: false, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _released, true);
            return ours;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records that the caller released the lock itself (see <see cref="Record"/>): no further command is sent.</summary>
    public void MarkReleased()
    {
        StopHeartbeat();
        Volatile.Write(ref _released, true);
    }

    /// <summary>Releases the lock if still held and ours; never throws for a lost connection (the heartbeat expires).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code is DeployErrorCode.HostUnreachable or DeployErrorCode.RemoteIoFailed or DeployErrorCode.Timeout)
        {
            HostLock.Log.Lost(_lock.Logger, _lock.Host.Name, Path, "release failed: " + e.Message);
        }
        finally
        {
            _lost.Dispose();
            _gate.Dispose();
        }
    }

    private void StopHeartbeat() => _timer?.Dispose();

    private async Task<bool> TouchAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return !_released && await _lock.ReleaseOrTouchAsync(Holder, touch: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            if (!IsReleased && !await TouchAsync(CancellationToken.None).ConfigureAwait(false) && !IsReleased)
            {
                HostLock.Log.Lost(_lock.Logger, _lock.Host.Name, Path, "another holder replaced it");
                await _lost.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is DeployException or ObjectDisposedException or OperationCanceledException)
        {
            // A failed renewal is retried at the next beat; a lease disposed meanwhile needs none.
        }
    }
}
