using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Operations.Locking;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>The product's lock: the one <see cref="HostLock"/> at <c>&lt;root&gt;/lock</c> on every host. All hosts are
/// tried at once (one round trip's wait however many hosts); if some are held by another operation, the hosts taken are
/// released and the locks are taken again one by one in name order, where a live holder is refused by name (the first
/// host it holds) and the locks taken so far are released. Two operations that start together may each take some
/// hosts at once; in name order the first to reach a host goes on, so they never both hold the product.</summary>
internal sealed class HostProductLock(IReadOnlyList<(string Name, IHost Host)> hosts, string path, HostLockOptions options)
{
    public async Task<IAsyncDisposable> AcquireAsync(string operation, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var note = progress is null ? null : new Progress<Operations.OperationProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Warning, p.Message)));
        var attempts = hosts.Select(h => new HostLock(h.Host, path, options).AcquireAsync(operation, note, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(attempts).ConfigureAwait(false);
            return new Leases(attempts.ConvertAll(a => a.Result));
        }
        catch
        {
            await ReleaseAllAsync(attempts.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result)).ConfigureAwait(false);
            var failures = attempts.Where(a => a.IsFaulted).Select(a => a.Exception!.InnerException).ToList();
            if (!failures.Any(e => e is DeployException { Code: DeployErrorCode.LockHeld }))
            {
                // Not contention (unreachable, refused, cancelled): the first host's failure in name order, as one by one.
                await attempts.First(a => !a.IsCompletedSuccessfully).ConfigureAwait(false);
                throw;
            }
        }

        return await AcquireInOrderAsync(operation, note, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IAsyncDisposable> AcquireInOrderAsync(string operation, IProgress<Operations.OperationProgress>? note, CancellationToken cancellationToken)
    {
        var leases = new List<LockLease>();
        try
        {
            foreach (var (_, host) in hosts)
            {
                var l = new HostLock(host, path, options);
                leases.Add(await l.AcquireAsync(operation, note, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await ReleaseAllAsync(leases).ConfigureAwait(false);
            throw;
        }

        return new Leases(leases);
    }

    /// <summary>Releases every lease at once (each is its own host's; no order is needed to let go).</summary>
    private static Task ReleaseAllAsync(IEnumerable<LockLease> leases) => Task.WhenAll(leases.Select(l => l.DisposeAsync().AsTask()));

    private sealed class Leases(List<LockLease> leases) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(ReleaseAllAsync(leases));
    }
}
