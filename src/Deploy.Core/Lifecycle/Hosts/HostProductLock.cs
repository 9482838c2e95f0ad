using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Operations.Locking;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>The product's lock: the one <see cref="HostLock"/> at <c>&lt;root&gt;/lock</c> on every host, taken in name
/// order and released in reverse; a live holder is refused by name and the locks taken so far are released.</summary>
internal sealed class HostProductLock(IReadOnlyList<(string Name, IHost Host)> hosts, string path, HostLockOptions options)
{
    public async Task<IAsyncDisposable> AcquireAsync(string operation, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var leases = new List<LockLease>();
        var note = progress is null ? null : new Progress<Operations.OperationProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Warning, p.Message)));
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

    private static async Task ReleaseAllAsync(IEnumerable<LockLease> leases)
    {
        foreach (var l in leases.Reverse())
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Leases(List<LockLease> leases) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(ReleaseAllAsync(leases));
    }
}
