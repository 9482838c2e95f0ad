using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Places, removes and restarts services on a host through the sequence engine: each service is a component of one
/// target per host (named after the product), applied with <see cref="PlanOptions.Components"/> so only the services
/// named change. Rendered configs are staged in a local directory (mode 0700) for the apply's transfer. One apply at a
/// time per host (the sequence engine's lock is per target; a second would be refused).
/// </summary>
internal sealed class HostServicePlacer
{
    private readonly string _product;
    private readonly string _stateDirectory;
    private readonly HostsBackendOptions _options;
    private readonly Func<string, IHost> _host;
    private readonly Dictionary<string, SemaphoreSlim> _gates;
    private readonly DirectoryInfo _staging = Directory.CreateTempSubdirectory("deploy-lifecycle-");

    public HostServicePlacer(string product, string stateDirectory, IReadOnlyList<string> hosts, Func<string, IHost> host, HostsBackendOptions options)
    {
        _product = product;
        _stateDirectory = stateDirectory;
        _options = options;
        _host = host;
        _gates = hosts.ToDictionary(h => h, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);
        _staging.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    }

    public async Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configs);
        var name = service.Service.Name;
        var dir = Directory.CreateDirectory(Path.Combine(_staging.FullName, service.Host, name, Guid.NewGuid().ToString("N")));
        var files = new List<ComponentFile>(service.Component.Files);
        var i = 0;
        foreach (var c in service.Configs)
        {
            var local = Path.Combine(dir.FullName, (i++).ToString(CultureInfo.InvariantCulture));
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

    public Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken) =>
        ApplyAsync(host, [], service, null, cancellationToken);

    public async Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var host = _host(service.Host);
        var gate = _gates[service.Host];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The sequence engine's own service manager and names (target = product, one ref per runtime service).
            var manager = await ServiceManagerSelection.SelectAsync(host, _product, _stateDirectory, _options.ServiceManager, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Deletes the local staging directory.</summary>
    public void DeleteStaging()
    {
        try
        {
            _staging.Delete(recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private async Task ApplyAsync(string host, IReadOnlyList<Component> components, string service, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        var target = new TargetDefinition(_product) { StateDirectory = _stateDirectory, CompareMode = Sync.CompareMode.Checksum, Components = components };
        var gate = _gates[host];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applier = await SequenceApplier.ForHostAsync(_host(host), target, _options.ServiceManager, new SequenceApplierOptions { TimeProvider = _options.TimeProvider }, cancellationToken: cancellationToken).ConfigureAwait(false);
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
}
