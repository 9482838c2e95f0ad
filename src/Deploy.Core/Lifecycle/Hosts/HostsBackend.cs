using System.Diagnostics;
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
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

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
    private static readonly HostScript RunHookScript = HostScript.FromResource(typeof(HostsBackend).Assembly, "lifecycle-run-hook.sh");
    private readonly IReadOnlyDictionary<string, (IHost Host, RenderHost Render)> _hosts;
    private readonly HostsBackendOptions _options;
    private readonly DirectoryInfo _staging = Directory.CreateTempSubdirectory("deploy-lifecycle-");
    private readonly Dictionary<string, SemaphoreSlim> _gates;
    private readonly HostPayloadStore _payloads;

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
        _gates = Hosts.ToDictionary(h => h, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);
        Journal = new JournalStore(hosts[Hosts[0]].Host, Root + "/journal.json");
        Secrets = new HostSecretStore(Hosts.Select(h => hosts[h].Host).ToList(), Root + "/secrets.json");
        _payloads = new HostPayloadStore(Root + "/payloads");
        _staging.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
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
        var leases = new List<LockLease>();
        var note = progress is null ? null : new Progress<Operations.OperationProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Warning, p.Message)));
        try
        {
            foreach (var name in Hosts)
            {
                var l = new HostLock(Get(name).Host, Root + "/lock", _options.Lock);
                leases.Add(await l.AcquireAsync($"{operation} {Product}", note, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await ReleaseAllAsync(leases).ConfigureAwait(false);
            throw;
        }

        return new Leases(leases);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadReleasesAsync(CancellationToken cancellationToken = default)
    {
        var reads = Hosts.Select(async name =>
        {
            var host = Get(name).Host;
            var dir = Root + "/releases";
            var records = new List<ReleaseRecord>();
            foreach (var f in (await host.ListTreeAsync(dir, cancellationToken).ConfigureAwait(false)).Where(f => f.Kind == FileKind.File && f.Path.EndsWith(".json", StringComparison.Ordinal) && !f.Path.Contains('/', StringComparison.Ordinal)))
            {
                var path = $"{dir}/{f.Path}";
                records.Add(ReleaseRecord.FromJson(await ReadTextAsync(host, path, cancellationToken).ConfigureAwait(false), $"{name}:{path}"));
            }

            return (name, (IReadOnlyList<ReleaseRecord>)records.OrderBy(r => r.Number).ToList());
        });
        return (await Task.WhenAll(reads).ConfigureAwait(false)).ToDictionary(x => x.name, x => x.Item2, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public Task WriteReleaseAsync(ReleaseRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encoding.UTF8.GetBytes(record.ToJson());
        var path = $"{Root}/releases/{record.Number.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}.json";
        return Task.WhenAll(Hosts.Select(async name =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            await Get(name).Host.WriteFileAsync(path, stream, new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, cancellationToken).ConfigureAwait(false);
        }));
    }

    /// <inheritdoc />
    public async Task<string?> ReadConfigAsync(string host, string path, CancellationToken cancellationToken = default)
    {
        var h = Get(host).Host;
        return await h.StatAsync(path, cancellationToken).ConfigureAwait(false) is null ? null : await ReadTextAsync(h, path, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configs);
        var name = service.Service.Name;
        var dir = Directory.CreateDirectory(Path.Combine(_staging.FullName, service.Host, name, Guid.NewGuid().ToString("N")));
        var files = new List<ComponentFile>(service.Component.Files);
        var i = 0;
        foreach (var c in service.Configs)
        {
            var local = Path.Combine(dir.FullName, (i++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await File.WriteAllTextAsync(local, configs.TryGetValue(c.Target, out var text) ? text : c.Content.Text, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            files.Add(new ComponentFile(local, c.Target) { Mode = c.Template.Mode, ChangeEvent = c.Template.ChangeEvent });
        }

        try
        {
            await ApplyAsync(service.Host, [service.Component with { Files = files }], name, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <inheritdoc />
    public Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken = default) =>
        ApplyAsync(host, [], service, null, cancellationToken);

    /// <inheritdoc />
    public async Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var host = Get(service.Host).Host;
        var gate = _gates[service.Host];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The sequence engine's own service manager and names (target = product, one ref per runtime service).
            var manager = await ServiceManagerSelection.SelectAsync(host, Product, Root + "/sequence", _options.ServiceManager, cancellationToken).ConfigureAwait(false);
            var runtime = service.Component.Services.Where(s => s.Kind == ServiceKind.Runtime).ToList();
            for (var i = 0; i < runtime.Count; i++)
            {
                var r = new ServiceRef(service.Component.Name, runtime[i], i);
                await manager.StopAsync(r, cancellationToken).ConfigureAwait(false);
                await manager.StartAsync(r, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public Task<HostFacts> CollectFactsAsync(string host, IReadOnlyCollection<string> diskPaths, IReadOnlyCollection<string> commands, CancellationToken cancellationToken = default) =>
        FactCollector.CollectAsync(Get(host).Host, host, diskPaths, commands, _options.TimeProvider, cancellationToken);

    /// <inheritdoc />
    public async Task<HookResult> RunHookAsync(RenderedService service, HookKind kind, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var hook = service.Hooks.TryGetValue(kind, out var h) ? h : throw new DeployException(DeployErrorCode.InvalidArgument, $"Service '{service.Service.Name}' has no {kind.ToString().ToLowerInvariant()} hook.") { Service = service.Service.Name };
        var text = new StringBuilder();
        var redact = new RenderedText("", service.Secrets);
        var sw = Stopwatch.StartNew();
        var grace = _options.HookKillGrace;
        var spec = new CommandSpec(["sh"])
        {
            // The script stops the hook (TERM, then KILL after the grace period); the transport's own limit is the backstop.
            Timeout = hook.Timeout + grace + TimeSpan.FromSeconds(30),
            WorkingDirectory = hook.WorkingDirectory,
            Secrets = service.Secrets,
            CaptureOutput = false,
            OnOutput = line =>
            {
                var l = redact.Redact(line.Text);
                lock (text)
                {
                    text.Append(l).Append('\n');
                }

                output?.Invoke(l);
            },
        };
        var name = kind.ToString().ToLowerInvariant();
        try
        {
            var r = await Get(service.Host).Host.RunScriptAsync(RunHookScript, [Seconds(hook.Timeout), Seconds(grace), hook.Command], spec, cancellationToken).ConfigureAwait(false);
            var stop = sw.Elapsed >= hook.Timeout ? r.ExitCode switch { 124 => HookStop.Terminated, 137 => HookStop.Killed, _ => HookStop.None } : HookStop.None;
            if (stop == HookStop.None)
            {
                return new HookResult(service.Service.Name, service.Host, kind, r.ExitCode, false, text.ToString(), sw.Elapsed);
            }

            text.Append(stop == HookStop.Terminated
                ? $"stopped: the {name} hook ran past its timeout of {hook.Timeout} and ended on TERM\n"
                : $"killed: the {name} hook ran past its timeout of {hook.Timeout}, ignored TERM for {grace} and was killed (KILL)\n");
            return new HookResult(service.Service.Name, service.Host, kind, -1, true, text.ToString(), sw.Elapsed) { Stop = stop };
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.Timeout)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"killed: the {name} hook ran past its timeout of {hook.Timeout} and was killed (KILL)\n");
            return new HookResult(service.Service.Name, service.Host, kind, -1, true, text.ToString(), sw.Elapsed) { Stop = HookStop.Killed };
        }
    }

    /// <inheritdoc />
    public Task KeepPayloadsAsync(IReadOnlyDictionary<string, IReadOnlyList<ServiceDefinition>> byHost, IReadOnlyCollection<string> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(byHost);
        ArgumentNullException.ThrowIfNull(keep);
        return Task.WhenAll(Hosts.Select(h => _payloads.KeepAsync(Get(h).Host, byHost.TryGetValue(h, out var s) ? s : [], keep, cancellationToken)));
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

    private static string Seconds(TimeSpan t) => Math.Max(0.001, t.TotalSeconds).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Deletes the local staging directory.</summary>
    public ValueTask DisposeAsync()
    {
        try
        {
            _staging.Delete(recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private async Task ApplyAsync(string host, IReadOnlyList<Component> components, string service, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var target = new TargetDefinition(Product) { StateDirectory = Root + "/sequence", CompareMode = Sync.CompareMode.Checksum, Components = components };
        var gate = _gates[host];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applier = await SequenceApplier.ForHostAsync(Get(host).Host, target, _options.ServiceManager, new SequenceApplierOptions { TimeProvider = _options.TimeProvider }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var seq = progress is null ? null : new Progress<SequenceProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{service}@{host}] {p.Message}") { Service = service, Host = host }));
            // A component that failed under ErrorHandling=Component (e.g. its runtime process crashed within the settle
            // period) is a failure of this service: the engine rolls the run back.
            var result = (await applier.ApplyAsync(target, new ApplyOptions { Plan = new PlanOptions { Components = [service] } }, seq, cancellationToken).ConfigureAwait(false)).ThrowOnFailure();
            progress?.Report(new LifecycleProgress(LifecycleEventKind.Transferred, $"[{service}@{host}] {result.FilesTransferred} file(s), {result.BytesTransferred} bytes sent") { Service = service, Host = host, Bytes = result.BytesTransferred });
        }
        catch (DeployException e) when (e.Service != service || e.Host is null)
        {
            // The sequence engine names its own service ("web runtime#0"); the lifecycle names the product's service and host.
            throw new DeployException(e.Code, e.Message, e) { Service = service, Host = host, Path = e.Path };
        }
        finally
        {
            gate.Release();
        }
    }

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
