using System.Collections.Concurrent;
using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Places, removes and restarts services on a host through the sequence engine: each service is a component of one
/// target per host (named after the product), applied with <see cref="PlanOptions.Components"/> so only the services
/// named change. Rendered configs are staged for the apply's transfer in a local directory of its own (mode 0700,
/// <see cref="HostsBackendOptions.LocalStagingDirectory"/>) that is removed when the apply ends. One apply at a
/// time per host (the sequence engine's lock is per target; a second would be refused). Each host's service manager is
/// selected once (<see cref="ServiceManagerSelection"/>: PID 1 does not change during a run) and shared by its applies,
/// restarts and settle watches (the managers keep no state of their own).
/// </summary>
internal sealed class HostServicePlacer
{
    private readonly string _product;
    private readonly string _stateDirectory;
    private readonly HostsBackendOptions _options;
    private readonly Func<string, IHost> _host;
    private readonly HostPlacements _placements;
    private readonly Dictionary<string, SemaphoreSlim> _gates;
    private readonly ConcurrentDictionary<string, Lazy<Task<IServiceManager>>> _managers = new(StringComparer.Ordinal);

    public HostServicePlacer(string product, string stateDirectory, IReadOnlyList<string> hosts, Func<string, IHost> host, HostsBackendOptions options, HostPlacements placements)
    {
        _placements = placements;
        _product = product;
        _stateDirectory = stateDirectory;
        _options = options;
        _host = host;
        _gates = hosts.ToDictionary(h => h, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);
    }

    public Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configs);
        return ApplyServicesAsync([new ServiceToApply(service, configs)], progress, cancellationToken);
    }

    /// <summary>Places <paramref name="services"/> (all of one host) in one sequence apply and waits for their settle
    /// watch (<see cref="HostSettleWatch"/>: the ready probe, or the settle period), outside the host's apply lock.</summary>
    public async Task ApplyServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = await StartServicesAsync(services, progress, cancellationToken).ConfigureAwait(false);
        await watch.ConfigureAwait(false);
    }

    /// <summary>Places <paramref name="services"/> (all of one host) in one sequence apply with no settle wait inside it
    /// (the host's apply lock is free again at once); returns the settle watch of the runtime services it started
    /// (<see cref="HostSettleWatch"/>).</summary>
    public async Task<Task> StartServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var result = await PlaceAsync(services, new ApplyOptions { RuntimeSettlePeriod = TimeSpan.Zero }, progress, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return Task.CompletedTask;
        }

        // Counted from after the apply, which started them: each process is watched at least the settle period.
        var since = _options.TimeProvider.GetTimestamp();
        var started = result.Plan.Steps.Where(s => s.Kind == StepKind.StartService && s.ServiceRef is not null).Select(s => s.ServiceRef!).ToList();
        return HostSettleWatch.WatchAsync(Watch(services[0].Service.Host, progress, cancellationToken), started, services.Select(s => s.Service).ToList(), since, SettlePeriod, cancellationToken);
    }

    /// <summary>The settle period of a runtime service without a ready probe: the sequence engine's default.</summary>
    private static TimeSpan SettlePeriod => new ApplyOptions().RuntimeSettlePeriod;

    private HostSettleWatch.Context Watch(string host, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken) => new(
        host,
        () => ManagerAsync(host, cancellationToken),
        (service, token) => HostHookRunner.RunAsync(_host(host), service, HookKind.Ready, _options.HookKillGrace, _options.ReadyProbeInterval, l => progress?.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{service.Service.Name}@{host}] {l}") { Service = service.Service.Name, Host = host }), token),
        _options.TimeProvider,
        progress);

    private async Task<ApplyResult?> PlaceAsync(IReadOnlyList<ServiceToApply> services, ApplyOptions apply, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Count == 0)
        {
            return null;
        }

        var host = services[0].Service.Host;
        if (services.Any(s => s.Service.Host != host))
        {
            throw new ArgumentException($"The services placed together must be of one host ({string.Join(", ", services.Select(s => $"{s.Service.Service.Name}@{s.Service.Host}"))}).", nameof(services));
        }

        var dir = CreateStaging();
        try
        {
            var components = new List<Component>();
            var sources = new List<(string Service, string Prefix)>();
            foreach (var (service, configs) in services)
            {
                var name = service.Service.Name;
                var staged = Directory.CreateDirectory(Path.Combine(dir.FullName, name));
                var files = new List<ComponentFile>(service.Component.Files);
                var i = 0;
                foreach (var c in service.Configs)
                {
                    var local = Path.Combine(staged.FullName, (i++).ToString(CultureInfo.InvariantCulture));
                    await File.WriteAllTextAsync(local, configs.TryGetValue(c.Target, out var text) ? text : c.Content.Text, cancellationToken).ConfigureAwait(false);
                    File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    files.Add(new ComponentFile(local, c.Target) { Mode = c.Template.Mode, ChangeEvent = c.Template.ChangeEvent });
                }

                components.Add(service.Component with { Files = files });
                sources.Add((name, staged.FullName + Path.DirectorySeparatorChar));
                sources.AddRange(service.Component.Files.Select(f => (name, f.Source)));
            }

            var result = await ApplyAsync(host, components, services.Select(s => s.Service.Service.Name).ToList(), apply, progress, cancellationToken).ConfigureAwait(false);
            foreach (var (service, _) in services)
            {
                _placements.Record(host, service.Component.Files);
            }

            Report(host, services, sources, result, progress);
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Reports the bytes of <paramref name="result"/> per service: the planned files of each (by local path), the
    /// transfer's total shared out in proportion.</summary>
    private static void Report(string host, IReadOnlyList<ServiceToApply> services, List<(string Service, string Prefix)> sources, ApplyResult result, IProgress<LifecycleProgress>? progress)
    {
        if (progress is null)
        {
            return;
        }

        var planned = result.Plan.Steps.Where(s => s.Kind == StepKind.TransferFiles).SelectMany(s => s.Files ?? []).ToList();
        var sizes = services.ToDictionary(s => s.Service.Service.Name, _ => 0L, StringComparer.Ordinal);
        var files = services.ToDictionary(s => s.Service.Service.Name, _ => 0, StringComparer.Ordinal);
        foreach (var f in planned)
        {
            var owner = services.Count == 1 ? services[0].Service.Service.Name : sources.FirstOrDefault(x => f.LocalPath == x.Prefix || f.LocalPath.StartsWith(x.Prefix.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)).Service;
            if (owner is not null)
            {
                sizes[owner] += f.Size;
                files[owner]++;
            }
        }

        var total = Math.Max(1, sizes.Values.Sum());
        foreach (var (service, _) in services)
        {
            var name = service.Service.Name;
            var bytes = services.Count == 1 ? result.BytesTransferred : result.BytesTransferred * sizes[name] / total;
            var count = services.Count == 1 ? result.FilesTransferred : files[name];
            progress.Report(new LifecycleProgress(LifecycleEventKind.Transferred, $"[{name}@{host}] {count} file(s), {bytes} bytes sent") { Service = name, Host = host, Bytes = bytes });
        }
    }

    public Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken) =>
        ApplyAsync(host, [], [service], new ApplyOptions(), null, cancellationToken);

    /// <summary>Restarts the runtime processes of <paramref name="service"/> (under the host's gate), then waits for their
    /// settle watch (<see cref="HostSettleWatch"/>) outside it: a restart whose process does not come up fails.</summary>
    public async Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var host = _host(service.Host);
        var gate = _gates[service.Host];
        var started = new List<ServiceRef>();
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The sequence engine's own service manager and names (target = product, one ref per runtime service).
            var manager = await ManagerAsync(service.Host, cancellationToken).ConfigureAwait(false);
            var runtime = service.Component.Services.Where(s => s.Kind == ServiceKind.Runtime).ToList();
            for (var i = 0; i < runtime.Count; i++)
            {
                var r = new ServiceRef(service.Component.Name, runtime[i], i);
                await manager.StopAsync(r, cancellationToken).ConfigureAwait(false);
                await manager.StartAsync(r, cancellationToken).ConfigureAwait(false);
                started.Add(r);
            }
        }
        finally
        {
            gate.Release();
        }

        await HostSettleWatch.WatchAsync(Watch(service.Host, null, cancellationToken), started, [service], _options.TimeProvider.GetTimestamp(), SettlePeriod, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The service manager of <paramref name="host"/>, selected on first use; a failed selection is not kept.</summary>
    private async Task<IServiceManager> ManagerAsync(string host, CancellationToken cancellationToken)
    {
        var selection = _managers.GetOrAdd(host, h => new Lazy<Task<IServiceManager>>(() => ServiceManagerSelection.SelectAsync(_host(h), _product, _stateDirectory, _options.ServiceManager, CancellationToken.None)));
        try
        {
            return await selection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (selection.Value.IsFaulted)
        {
            _managers.TryRemove(KeyValuePair.Create(host, selection));
            throw;
        }
    }

    /// <summary>One apply's phases in one line: <c>scan 0+3 ms, state-read 0+12 ms, ...</c> (start+duration, from the apply's start).</summary>
    private static string Describe(IReadOnlyList<PhaseTiming> phases) => phases.Count == 0
        ? "no phases measured"
        : string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase.ToString().ToLowerInvariant()} {p.Start.TotalMilliseconds:0}+{p.Duration.TotalMilliseconds:0} ms")));

    /// <summary>A new private (0700) directory for one apply's staged configs: in the system's temp directory, or under
    /// <see cref="HostsBackendOptions.LocalStagingDirectory"/>.</summary>
    private DirectoryInfo CreateStaging()
    {
        const string Prefix = "deploy-lifecycle-";
        if (_options.LocalStagingDirectory is not { } parent)
        {
            return Directory.CreateTempSubdirectory(Prefix);
        }

        Directory.CreateDirectory(parent);
        var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(Path.Combine(parent, Prefix + Guid.NewGuid().ToString("N")))
            : Directory.CreateDirectory(Path.Combine(parent, Prefix + Guid.NewGuid().ToString("N")), owner);
    }

    private async Task<ApplyResult> ApplyAsync(string host, IReadOnlyList<Component> components, IReadOnlyList<string> services, ApplyOptions apply, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var target = new TargetDefinition(_product) { StateDirectory = _stateDirectory, CompareMode = Sync.CompareMode.Checksum, Components = components };
        var prefix = $"[{string.Join(",", services)}@{host}]";
        var gate = _gates[host];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applier = SequenceApplier.ForHost(_host(host), target, new SequenceApplierOptions { TimeProvider = _options.TimeProvider }, await ManagerAsync(host, cancellationToken).ConfigureAwait(false));
            var seq = progress is null ? null : new Progress<SequenceProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Output, $"{prefix} {p.Message}") { Service = services.Count == 1 ? services[0] : null, Host = host }));
            // A component that failed under ErrorHandling=Component (e.g. its runtime process crashed within the settle
            // period) is a failure of this service: the engine rolls the run back.
            var result = await applier.ApplyAsync(target, apply with { Plan = new PlanOptions { Components = services } }, seq, cancellationToken).ConfigureAwait(false);
            progress?.Report(new LifecycleProgress(LifecycleEventKind.Timings, $"{prefix} sequence apply: {Describe(result.Phases)}") { Service = services.Count == 1 ? services[0] : null, Host = host });
            return result.ThrowOnFailure();
        }
        catch (DeployException e) when (!services.Contains(e.Service ?? "", StringComparer.Ordinal) || e.Host is null)
        {
            // The sequence engine names its own service ("web runtime#0"); the lifecycle names the product's service and host.
            var service = services.FirstOrDefault(s => e.Service?.StartsWith(s + " ", StringComparison.Ordinal) == true || e.Service == s) ?? services[0];
            throw new DeployException(e.Code, e.Message, e) { Service = service, Host = host, Path = e.Path };
        }
        finally
        {
            gate.Release();
        }
    }
}
