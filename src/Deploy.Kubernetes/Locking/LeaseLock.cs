using System.Net;
using Deploy.Core.Errors;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Locking;
using Deploy.Kubernetes.Connection;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Kubernetes.Locking;

/// <summary>
/// The operation lock kept as a <c>coordination.k8s.io/v1</c> <c>Lease</c>: <c>spec.holderIdentity</c> is the same
/// <see cref="LockHolder"/> record a <see cref="HostLock"/> writes, <c>spec.renewTime</c> the heartbeat,
/// <c>spec.leaseDurationSeconds</c> the <see cref="HostLockOptions.StaleAfter"/> it was taken with. Every change is a
/// create or an update carrying the <c>resourceVersion</c> read, so of two takers racing exactly one wins (the other
/// gets 409 and is refused naming the winner). A live holder is refused with <see cref="DeployErrorCode.LockHeld"/>;
/// a stale one (<see cref="HostLockOptions.StaleReason"/>: the heartbeat age is measured by this machine's clock
/// against the renew time) is taken over with a note. Release clears the holder (the Lease stays, its
/// <c>leaseTransitions</c> counting holders).
/// </summary>
public sealed partial class LeaseLock : IOperationLock
{
    private readonly KubernetesConnection connection;
    private readonly string ns;
    private readonly string name;
    private readonly ILogger logger;

    /// <summary>The lock as Lease <paramref name="name"/> in <paramref name="namespace"/> (nothing is taken yet).</summary>
    /// <param name="connection">The cluster.</param>
    /// <param name="namespace">The Lease's namespace.</param>
    /// <param name="name">The Lease's name (e.g. <c>&lt;product&gt;.lock</c>).</param>
    /// <param name="options">Heartbeat, staleness and takeover settings (the host lock's).</param>
    /// <param name="logger">Receives takeover notes and lost heartbeats.</param>
    public LeaseLock(KubernetesConnection connection, string @namespace, string name, HostLockOptions? options = null, ILogger<LeaseLock>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        this.connection = connection;
        ns = @namespace;
        this.name = name;
        Options = options ?? new HostLockOptions();
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The namespace and the API server, e.g. <c>shop@127.0.0.1:6443</c>.</summary>
    public string Target => $"{ns}@{connection.Server.Authority}";

    /// <summary><c>leases/&lt;namespace&gt;/&lt;name&gt;</c>.</summary>
    public string Path => $"leases/{ns}/{name}";

    /// <inheritdoc />
    public HostLockOptions Options { get; }

    private DateTime Now => Options.TimeProvider.GetUtcNow().UtcDateTime;

    /// <inheritdoc />
    public async Task<LockLease> AcquireAsync(LockHolder holder, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var lease = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            var created = new V1Lease { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Spec = Held(new V1LeaseSpec { LeaseTransitions = 0 }, holder) };
            try
            {
                await connection.Client.CoordinationV1.CreateNamespacedLeaseAsync(created, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new LockLease(this, holder, null, logger);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                throw await LostRaceAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }

        LockTakeover? note = null;
        if (!string.IsNullOrEmpty(lease.Spec?.HolderIdentity))
        {
            var other = LockHolder.Decode(lease.Spec.HolderIdentity, Target, Path);
            var age = Age(lease.Spec);
            var reason = Options.StaleReason(other, age);
            if (reason is null)
            {
                throw new DeployException(DeployErrorCode.LockHeld, $"{Target} is locked by {other} (Lease {Path}); its heartbeat is {age.TotalSeconds:0} s old. Wait for it to finish; if you know it is dead, take the lock over explicitly.") { Host = Target, Path = Path };
            }

            if (reason != LockTakeoverReason.Forced && !Options.TakeOverStale)
            {
                throw new DeployException(DeployErrorCode.StaleLock, $"{Target} has a stale lock of {other} ({(reason == LockTakeoverReason.HolderDead ? "that process no longer exists" : $"heartbeat {age.TotalSeconds:0} s old")}) in Lease {Path}. Take it over to go on.") { Host = Target, Path = Path };
            }

            note = new LockTakeover(other, reason.Value, age);
        }

        lease.Spec = Held(lease.Spec ?? new V1LeaseSpec(), holder);
        lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
        try
        {
            await connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            throw await LostRaceAsync(e, cancellationToken).ConfigureAwait(false);
        }

        if (note is not null)
        {
            Log.TakenOver(logger, Target, Path, note.Describe());
            progress?.Report(new OperationProgress(OperationEventKind.LockTakenOver, holder.Operation, note.Describe()));
        }

        return new LockLease(this, holder, note, logger);
    }

    /// <inheritdoc />
    public async Task<LockStatus?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var lease = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        return string.IsNullOrEmpty(lease?.Spec?.HolderIdentity)
            ? null
            : new LockStatus(LockHolder.Decode(lease.Spec.HolderIdentity, Target, Path), new DateTimeOffset(DateTime.SpecifyKind(lease.Spec.RenewTime ?? lease.Spec.AcquireTime ?? DateTime.MinValue, DateTimeKind.Utc)));
    }

    /// <inheritdoc />
    public async Task<bool> RenewOrReleaseAsync(LockHolder holder, bool renew, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var lease = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        if (lease?.Spec?.HolderIdentity != holder.Encode())
        {
            return false;
        }

        if (renew)
        {
            lease.Spec.RenewTime = Now;
        }
        else
        {
            lease.Spec.HolderIdentity = null;
            lease.Spec.RenewTime = null;
        }

        try
        {
            await connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;   // changed since we read it: someone took it over
        }
    }

    private V1LeaseSpec Held(V1LeaseSpec spec, LockHolder holder)
    {
        spec.HolderIdentity = holder.Encode();
        spec.AcquireTime = Now;
        spec.RenewTime = Now;
        spec.LeaseDurationSeconds = (int)Math.Ceiling(Options.StaleAfter.TotalSeconds);
        return spec;
    }

    private TimeSpan Age(V1LeaseSpec spec)
    {
        var last = spec.RenewTime ?? spec.AcquireTime;
        return last is { } t ? (Now - DateTime.SpecifyKind(t, DateTimeKind.Utc)).Duration() : TimeSpan.MaxValue;
    }

    private async Task<DeployException> LostRaceAsync(Exception e, CancellationToken cancellationToken)
    {
        var winner = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        var who = string.IsNullOrEmpty(winner?.Spec?.HolderIdentity) ? "another process" : LockHolder.Decode(winner.Spec.HolderIdentity, Target, Path).ToString();
        return new DeployException(DeployErrorCode.LockHeld, $"{Target} is locked by {who}, who took the Lease {Path} first.", e) { Host = Target, Path = Path };
    }

    private async Task<V1Lease?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "{Target}: {Note} ({Path})")]
        public static partial void TakenOver(ILogger logger, string target, string path, string note);
    }
}
