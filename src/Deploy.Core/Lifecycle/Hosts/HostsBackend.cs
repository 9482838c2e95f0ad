using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// The Linux-hosts lifecycle backend: each service is a component of one sequence-engine target per host (named
/// after the product), applied with <see cref="PlanOptions.Components"/> so only that service's files and processes
/// change. The product's lock (a <see cref="HostLock"/> on every host), journal (on the first host), secrets and
/// release records (on every host, written atomically) live under <see cref="HostsBackendOptions.StateRoot"/>.
/// The hosts are the caller's: this backend does not dispose them.
/// </summary>
public sealed class HostsBackend : ILifecycleBackend, IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, (IHost Host, RenderHost Render)> _hosts;
    private readonly HostsBackendOptions _options;
    private readonly HostPayloadStore _payloads;
    private readonly HostProductLock _lock;
    private readonly HostReleaseStore _releases;
    private readonly HostServicePlacer _placer;
    private int _held;

    /// <summary>Creates the backend of <paramref name="product"/> on <paramref name="hosts"/> (inventory name to host and what templates see of it).</summary>
    public HostsBackend(string product, IReadOnlyDictionary<string, (IHost Host, RenderHost Render)> hosts, HostsBackendOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(product);
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("A product needs at least one host.", nameof(hosts));
        }

        Product = product;
        _hosts = hosts;
        _options = options ?? new HostsBackendOptions();
        Root = $"{_options.StateRoot.TrimEnd('/')}/{product}";
        Hosts = hosts.Keys.Order(StringComparer.Ordinal).ToList();
        var named = Hosts.Select(h => (h, hosts[h].Host)).ToList();
        _lock = new HostProductLock(named, Root + "/lock", _options.Lock);
        _releases = new HostReleaseStore(named, Root + "/releases");
        var placements = new HostPlacements();
        _placer = new HostServicePlacer(product, Root + "/sequence", Hosts, h => Get(h).Host, _options, placements);
        Journal = new JournalStore(hosts[Hosts[0]].Host, Root + "/journal.json");
        Secrets = new HostSecretStore(Hosts.Select(h => hosts[h].Host).ToList(), Root + "/secrets.json");
        _payloads = new HostPayloadStore(Root + "/payloads", placements);
    }

    /// <inheritdoc />
    public string Product { get; }

    /// <summary>The product's state directory on every host.</summary>
    public string Root { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Hosts { get; }

    /// <inheritdoc />
    public ISecretStore Secrets { get; }

    /// <inheritdoc cref="ILifecycleBackend.Journal" />
    public JournalStore Journal { get; }

    IJournalStore ILifecycleBackend.Journal => Journal;

    /// <inheritdoc />
    public RenderHost Describe(string host) => Get(host).Render;

    /// <inheritdoc />
    public async Task<IAsyncDisposable> LockAsync(string operation, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var lease = await _lock.AcquireAsync($"{operation} {Product}", progress, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _held);
        return new HeldLock(this, lease);
    }

    /// <summary>The lock as this backend holds it: while held, payload listings read with the records are remembered.</summary>
    private sealed class HeldLock(HostsBackend backend, IAsyncDisposable lease) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref backend._held);
                backend._payloads.Forget();
                await lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Under this backend's lock the same command also lists the payloads, which the release's payload keep
    /// then uses instead of a listing of its own (a round trip per host saved on every operation).</remarks>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadReleasesAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _held) > 0
            ? _releases.ReadAsync(cancellationToken, _payloads.Root, _payloads.Remember)
            : _releases.ReadAsync(cancellationToken);

    /// <inheritdoc />
    public Task WriteReleaseAsync(ReleaseRecord record, CancellationToken cancellationToken = default) =>
        _releases.WriteAsync(record, cancellationToken);

    /// <inheritdoc />
    public async Task<string?> ReadConfigAsync(string host, string path, CancellationToken cancellationToken = default)
    {
        var h = Get(host).Host;
        return await h.StatAsync(path, cancellationToken).ConfigureAwait(false) is null ? null : await ReadTextAsync(h, path, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _placer.ApplyServiceAsync(service, configs, progress, cancellationToken);

    /// <inheritdoc />
    public Task ApplyServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _placer.ApplyServicesAsync(services, progress, cancellationToken);

    /// <inheritdoc />
    public Task<Task> StartServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _placer.StartServicesAsync(services, progress, cancellationToken);

    /// <inheritdoc />
    public Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken = default) =>
        _placer.RemoveServiceAsync(service, host, cancellationToken);

    /// <inheritdoc />
    public Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken = default) =>
        _placer.RestartServiceAsync(service, cancellationToken);

    /// <inheritdoc />
    public Task<HostFacts> CollectFactsAsync(string host, IReadOnlyCollection<string> diskPaths, IReadOnlyCollection<string> commands, CancellationToken cancellationToken = default) =>
        FactCollector.CollectAsync(Get(host).Host, host, diskPaths, commands, _options.TimeProvider, cancellationToken);

    /// <inheritdoc />
    public Task<HookResult> RunHookAsync(RenderedService service, HookKind kind, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return HostHookRunner.RunAsync(Get(service.Host).Host, service, kind, _options.HookKillGrace, _options.ReadyProbeInterval, output, cancellationToken);
    }

    /// <inheritdoc />
    public Task KeepPayloadsAsync(IReadOnlyDictionary<string, IReadOnlyList<ServiceDefinition>> byHost, IReadOnlyCollection<string> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(byHost);
        ArgumentNullException.ThrowIfNull(keep);
        return Task.WhenAll(Hosts.Select(h => _payloads.KeepAsync(h, Get(h).Host, byHost.TryGetValue(h, out var s) ? s : [], keep, cancellationToken)));
    }

    /// <inheritdoc />
    public async Task<bool> FetchPayloadAsync(string service, string digest, IReadOnlyList<string> hosts, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(digest);
        ArgumentNullException.ThrowIfNull(hosts);
        foreach (var h in hosts.Where(Hosts.Contains).Concat(Hosts.Except(hosts, StringComparer.Ordinal)))
        {
            if (await _payloads.FetchAsync(Get(h).Host, service, digest, directory, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Holds nothing to release today (each apply removes its own local staging directory); kept so that code
    /// written with <c>await using</c> stays right when the backend does hold something.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private (IHost Host, RenderHost Render) Get(string host) => _hosts.TryGetValue(host, out var h)
        ? h
        : throw new DeployException(DeployErrorCode.InvalidArgument, $"'{host}' is not a host of {Product} (hosts: {string.Join(", ", Hosts)}).") { Host = host };

    internal static async Task<string> ReadTextAsync(IHost host, string path, CancellationToken cancellationToken)
    {
        var stream = await host.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
