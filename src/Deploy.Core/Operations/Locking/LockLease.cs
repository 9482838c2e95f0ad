using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Operations.Locking;

/// <summary>
/// A held <see cref="IOperationLock"/> (a <see cref="HostLock"/>, a Kubernetes Lease): renews its heartbeat every <see cref="HostLockOptions.HeartbeatInterval"/> while
/// held, and releases it (only if still ours) when released or disposed. If a renewal finds the lock is no longer
/// ours (someone took it over), <see cref="Lost"/> is cancelled: an operation should stop changing the target.
/// </summary>
public sealed class LockLease : IAsyncDisposable
{
    private readonly IOperationLock _lock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer? _timer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _released;

    /// <summary>The lease of <paramref name="owner"/> just taken by <paramref name="holder"/> (for <see cref="IOperationLock"/>
    /// implementations): it renews every <see cref="HostLockOptions.HeartbeatInterval"/> through
    /// <see cref="IOperationLock.RenewOrReleaseAsync"/> until released.</summary>
    /// <param name="owner">The lock taken.</param>
    /// <param name="holder">Who took it.</param>
    /// <param name="takenOver">The note when a stale lock was taken over.</param>
    /// <param name="logger">Receives lost heartbeats.</param>
    public LockLease(IOperationLock owner, LockHolder holder, LockTakeover? takenOver, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(holder);
        _lock = owner;
        _logger = logger ?? NullLogger.Instance;
        Holder = holder;
        TakenOver = takenOver;
        if (owner.Options.HeartbeatInterval is { } every && every > TimeSpan.Zero)
        {
            _timer = owner.Options.TimeProvider.CreateTimer(static s => _ = ((LockLease)s!).BeatAsync(), this, every, every);
        }
    }

    /// <summary>This holder.</summary>
    public LockHolder Holder { get; }

    /// <summary>The previous holder's note when a stale lock was taken over; <c>null</c> when the lock was free.</summary>
    public LockTakeover? TakenOver { get; }

    /// <summary>The lock's path (name) on the target.</summary>
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
            throw new DeployException(DeployErrorCode.LockHeld, $"The lock {Path} on {_lock.Target} was taken over; stop and check who holds it.") { Host = _lock.Target, Path = Path };
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

            var ours = await _lock.RenewOrReleaseAsync(Holder, renew: false, cancellationToken).ConfigureAwait(false);
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
            HostLock.Log.Lost(_logger, _lock.Target, Path, "release failed: " + e.Message);
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
            return !_released && await _lock.RenewOrReleaseAsync(Holder, renew: true, cancellationToken).ConfigureAwait(false);
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
                HostLock.Log.Lost(_logger, _lock.Target, Path, "another holder replaced it");
                await _lost.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is DeployException or ObjectDisposedException or OperationCanceledException)
        {
            // A failed renewal is retried at the next beat; a lease disposed meanwhile needs none.
        }
    }
}
