using System.CommandLine;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Images;
using Deploy.Packaging.Products;

namespace Deploy.Cli;

/// <summary>The options every lifecycle verb takes (laipvt's <c>-i</c>, <c>-f</c>, values and schedule).</summary>
internal sealed class LifecycleOptions(bool packageRequired = true)
{
    public Option<string?> Inventory { get; } = new("--inventory", "-i") { Description = "Inventory YAML file: the product's hosts (or give --kubeconfig/--context for a cluster)" };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Run on a Kubernetes cluster: this kubeconfig (default $KUBECONFIG, ~/.kube/config) instead of an inventory" };

    public Option<string?> Context { get; } = new("--context") { Description = "Run on a Kubernetes cluster: this kubeconfig context (its namespace holds the product)" };

    public Option<string?> Nodes { get; } = new("--nodes") { Description = "On a cluster: an inventory of its nodes as SSH hosts (host name = node name; vars container_runtime, containerd_address, containerd_snapshotter): the package's images/ archives are loaded onto every node before anything is applied" };

    public Option<string?> Package { get; } = new("--package", "-f")
    {
        Description = packageRequired
            ? "The product package (install_product .tar.gz) or a product folder"
            : "The package of the release to return to; without it, the release's payload kept on the hosts (the last 3 releases) is used (give --product)",
        Required = packageRequired,
    };

    public Option<string?> Product { get; } = new("--product") { Description = "Without -f: the product name (its releases and payloads on the hosts)" };

    public bool PackageRequired => packageRequired;

    public Option<string?> Values { get; } = new("--values") { Description = "Site values YAML (layered over the product's defaults)" };

    public Option<string?> Scheduled { get; } = new("--scheduled") { Description = "Place services as this scheduled.yaml says (written by precheck; edit it to move services) instead of by their placement rules (rollback without -f: ignored, the release's placement is used)" };

    public Option<string?> StateRoot { get; } = new("--state-root") { Description = "Where the product's lock, journal, secrets and releases live on every host (default /var/lib/deploy-lifecycle)" };

    public IEnumerable<Option> All => packageRequired ? [Inventory, Kubeconfig, Context, Nodes, Package, Values, Scheduled, StateRoot] : [Inventory, Kubeconfig, Context, Nodes, Package, Product, Values, Scheduled, StateRoot];

    public void AddTo(Command command)
    {
        foreach (var o in All)
        {
            command.Options.Add(o);
        }
    }
}

/// <summary>One verb's view of a product on its hosts: the opened package, the inventory, the schedule, the site
/// values, one connection per host, the hosts backend (or the Kubernetes backend, <see cref="KubernetesSession"/>)
/// and the engine. Disposing it closes everything.</summary>
internal sealed class LifecycleSession : IAsyncDisposable
{
    private readonly IDisposable _product;
    private readonly ILifecycleBackend _backend;
    private readonly List<IHost> _hosts;
    private readonly IDisposable? _connection;

    internal LifecycleSession(IDisposable product, HostInventory inventory, LifecycleInput input, ILifecycleBackend backend, List<IHost> hosts, IDisposable? connection = null)
    {
        _product = product;
        _connection = connection;
        Inventory = inventory;
        Input = input;
        _backend = backend;
        _hosts = hosts;
        Engine = new LifecycleEngine(backend, observer: PauseAtStepObserver.FromEnvironment());
    }

    public HostInventory Inventory { get; }

    public LifecycleInput Input { get; }

    public LifecycleEngine Engine { get; }

    /// <summary>On a cluster with <c>--nodes</c>: the loader of the package's images onto the nodes.</summary>
    public NodeImageLoader? NodeImages { get; init; }

    /// <summary>The backend (its journal tells what an interrupted run was doing).</summary>
    public ILifecycleBackend Backend => _backend;


    public static Task<LifecycleSession> OpenAsync(ParseResult parse, LifecycleOptions options, CancellationToken ct, int? revision = null) =>
        parse.GetValue(options.Kubeconfig) is not null || parse.GetValue(options.Context) is not null
            ? KubernetesSession.OpenAsync(parse, options, ct)
            : parse.GetValue(options.Inventory) is null
            ? throw new DeployException(DeployErrorCode.InvalidArgument, "Give the product's hosts with -i INVENTORY, or a cluster with --kubeconfig FILE and/or --context NAME.") { Path = "inventory" }
            : parse.GetValue(options.Package) is { } package
            ? OpenAsync(parse.GetValue(options.Inventory)!, package, parse.GetValue(options.Values), parse.GetValue(options.Scheduled), parse.GetValue(options.StateRoot), ct)
            : OpenFromTargetsAsync(parse.GetValue(options.Inventory)!, parse.GetValue(options.Product) ?? throw new DeployException(DeployErrorCode.InvalidArgument, "Without -f, give --product NAME: the product whose release payloads the hosts keep.") { Path = "product" }, revision, parse.GetValue(options.Values), parse.GetValue(options.StateRoot), ct);

    /// <summary>rollback with no package: the release's product.yaml and service folders come from the hosts
    /// (<see cref="LifecycleEngine.ReleaseInputAsync"/>), into a temp folder deleted with the session.</summary>
    public static async Task<LifecycleSession> OpenFromTargetsAsync(string inventoryFile, string product, int? revision, string? valuesFile, string? stateRoot, CancellationToken ct)
    {
        var inventory = await HostInventory.LoadAsync(inventoryFile, ct).ConfigureAwait(false);
        var temp = new TempFolder(Directory.CreateTempSubdirectory("deploy-rollback-").FullName);
        var hosts = new List<IHost>();
        try
        {
            var values = valuesFile is { } v ? await SiteValues.LoadAsync(v, ct).ConfigureAwait(false) : ValueTree.Empty;
            var backend = new HostsBackend(product, Connect(inventory, hosts), stateRoot is { } root ? new HostsBackendOptions { StateRoot = root } : null);
            var input = await new LifecycleEngine(backend).ReleaseInputAsync(revision, Path.Combine(temp.Path, product), values, ct).ConfigureAwait(false);
            return new LifecycleSession(temp, inventory, input, backend, hosts);
        }
        catch
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync().ConfigureAwait(false);
            }

            temp.Dispose();
            throw;
        }
    }

    private static Dictionary<string, (IHost, RenderHost)> Connect(HostInventory inventory, List<IHost> hosts)
    {
        var factory = new InventoryHostFactory();
        var map = new Dictionary<string, (IHost, RenderHost)>(StringComparer.Ordinal);
        foreach (var h in inventory.Hosts.Where(h => !h.IsImplicit))
        {
            var host = factory.Create(h);
            hosts.Add(host);
            map[h.Name] = (host, new RenderHost(h.Name, h.Address) { Labels = h.Labels, Vars = h.Vars });
        }

        return map.Count > 0
            ? map
            : throw new DeployException(DeployErrorCode.InvalidConfiguration, $"The inventory {inventory.Source} has no hosts.") { Path = inventory.Source };
    }

    private sealed class TempFolder(string path) : IDisposable
    {
        public string Path => path;

        public void Dispose()
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    public static async Task<LifecycleSession> OpenAsync(string inventoryFile, string package, string? valuesFile, string? scheduledFile, string? stateRoot, CancellationToken ct)
    {
        var inventory = await HostInventory.LoadAsync(inventoryFile, ct).ConfigureAwait(false);
        var opened = await ProductPackage.OpenAsync(package, cancellationToken: ct).ConfigureAwait(false);
        var hosts = new List<IHost>();
        try
        {
            var product = opened.Product;
            var schedule = scheduledFile is { } file
                ? await ScheduleYaml.LoadAsync(file, product, inventory, ct).ConfigureAwait(false)
                : Scheduler.CreateDefault(product, inventory);
            var values = valuesFile is { } v ? await SiteValues.LoadAsync(v, ct).ConfigureAwait(false) : ValueTree.Empty;
            var map = Connect(inventory, hosts);
            var backendOptions = stateRoot is { } root ? new HostsBackendOptions { StateRoot = root } : null;
            var backend = new HostsBackend(product.Name, map, backendOptions);
            return new LifecycleSession(opened, inventory, new LifecycleInput(product, schedule) { SiteValues = values }, backend, hosts);
        }
        catch
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync().ConfigureAwait(false);
            }

            opened.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_backend is IAsyncDisposable backend)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }

        _connection?.Dispose();
        foreach (var h in _hosts)
        {
            await h.DisposeAsync().ConfigureAwait(false);
        }

        _product.Dispose();
    }
}
