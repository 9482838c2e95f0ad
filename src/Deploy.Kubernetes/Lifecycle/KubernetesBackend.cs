using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Journaling;
using Deploy.Kubernetes.Locking;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;
using Deploy.Kubernetes.Releases;
using Deploy.Kubernetes.Scheduling;
using k8s;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The lifecycle backend on a Kubernetes cluster. The cluster is ONE logical host (<see cref="KubernetesBackendOptions.HostName"/>):
/// the Kubernetes scheduler places pods, so placing a service "on a node" would apply the same Deployment once per
/// node; nodes are read for the precheck facts instead. A service is its rendered <c>kubernetes:</c> manifests plus
/// its configs as ConfigMap <c>&lt;service&gt;-config</c> (so <c>kubectl edit</c> of a config is the live content the
/// engine's three-way merge reads), applied with server-side apply after a dry run (manifest conflicts are reported
/// per field; the config ConfigMap is applied with force, its content being the merge's result), the objects of its
/// previous apply that are gone pruned by its recorded inventory, then waited on with the readiness rules. The lock is
/// a <see cref="LeaseLock"/>, the journal a <see cref="SecretJournalStore"/>, release records a <see cref="SecretReleaseStore"/>,
/// generated secrets one Secret, hooks Jobs. The connection is the caller's: it is not disposed.
/// </summary>
public sealed class KubernetesBackend : ILifecycleBackend
{
    private readonly KubernetesConnection connection;
    private readonly KubernetesBackendOptions options;
    private readonly ResourceCatalog catalog;
    private readonly ServerSideApplier applier;
    private readonly SecretReleaseStore releases;
    private readonly InventoryStore inventory;
    private readonly HookJobs hooks;
    private readonly MiddlewareReset reset;
    private readonly ImagesOnce images;

    /// <summary>The backend of <paramref name="product"/> on the cluster of <paramref name="connection"/>.</summary>
    public KubernetesBackend(string product, KubernetesConnection connection, KubernetesBackendOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        ArgumentNullException.ThrowIfNull(connection);
        Product = product;
        this.connection = connection;
        this.options = options ?? new KubernetesBackendOptions();
        Namespace = this.options.Namespace ?? connection.DefaultNamespace;
        Hosts = [this.options.HostName];
        catalog = new ResourceCatalog(connection);
        applier = new ServerSideApplier(connection, catalog);
        releases = new SecretReleaseStore(connection, product, Namespace);
        inventory = new InventoryStore(connection, product, Namespace);
        hooks = new HookJobs(connection, catalog, product, Namespace, this.options);
        images = new ImagesOnce(this.options.NodeImages);
        reset = new MiddlewareReset(connection, catalog, inventory, hooks, this.options);
        Journal = new SecretJournalStore(connection, Namespace, product + ".journal");
        Secrets = new SecretValueStore(connection, product, Namespace);
    }

    /// <inheritdoc />
    public string Product { get; }

    /// <summary>The namespace of the product's state (and of its objects that name none).</summary>
    public string Namespace { get; }

    /// <summary>The one logical host, <see cref="KubernetesBackendOptions.HostName"/>.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <inheritdoc />
    public ISecretStore Secrets { get; }

    /// <inheritdoc />
    public IJournalStore Journal { get; }

    /// <summary>The operation lock: Lease <c>&lt;product&gt;.lock</c>.</summary>
    public LeaseLock Lock => new(connection, Namespace, Product + ".lock", options.Lock);

    /// <summary>A schedule placing every service of <paramref name="product"/> on the cluster's one logical host.</summary>
    public Schedule Schedule(ProductDefinition product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return new Schedule(product.Name, product.Services.Select(s => new ScheduledService(s.Name, Hosts)).OrderBy(s => s.Service, StringComparer.Ordinal).ToList());
    }

    /// <inheritdoc />
    public RenderHost Describe(string host) => new(Check(host), connection.Server.Host) { Hostname = connection.Server.Host, Vars = new Dictionary<string, string> { ["namespace"] = Namespace } };

    /// <inheritdoc />
    public async Task<IAsyncDisposable> LockAsync(string operation, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var note = progress is null ? null : new Progress<Core.Operations.OperationProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Warning, p.Message)));
        return await Lock.AcquireForAsync($"{operation} {Product}", note, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadReleasesAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<ReleaseRecord>();
        foreach (var n in await releases.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var bytes = await releases.ReadAsync(n, cancellationToken).ConfigureAwait(false);
            if (bytes is not null)
            {
                records.Add(ReleaseRecord.FromJson(Encoding.UTF8.GetString(bytes), $"{Namespace}/{Product}.release.v{n}"));
            }
        }

        return new Dictionary<string, IReadOnlyList<ReleaseRecord>>(StringComparer.Ordinal) { [Hosts[0]] = records };
    }

    /// <inheritdoc />
    public Task WriteReleaseAsync(ReleaseRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return releases.WriteAsync(record.Number, Encoding.UTF8.GetBytes(record.ToJson()), cancellationToken);
    }

    /// <inheritdoc />
    public Task<string?> ReadConfigAsync(string host, string path, CancellationToken cancellationToken = default)
    {
        Check(host);
        return inventory.ReadConfigAsync(path, cancellationToken);
    }

    /// <inheritdoc />
    public async Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configs);
        var name = service.Service.Name;
        try
        {
            var (configMap, manifests) = ServiceObjects.Build(Product, service, configs, service.Service.Kubernetes?.Namespace ?? Namespace);
            var report = progress is null ? null : new Progress<ApplyProgress>(p => progress.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{name}@{service.Host}] {p.Phase} {p.Object}{(p.Action is { } a ? " " + a.ToString().ToLowerInvariant() : "")}") { Service = name, Host = service.Host }));
            var digest = ServiceObjects.Digest(configMap, manifests);
            var (previous, applied) = await inventory.ReadAsync(name, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ObjectRef> placed;
            if (applied == digest && previous.Count > 0 && (await StillThereAsync([.. previous], cancellationToken).ConfigureAwait(false)).Count == previous.Count)
            {
                // Exactly what the last apply placed, all still there: nothing to apply (a rollback of a service whose
                // upgrade was refused before it changed anything must not apply over fields other managers own now).
                progress?.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{name}@{service.Host}] unchanged since its last apply ({previous.Count} objects)") { Service = name, Host = service.Host });
                placed = previous;
            }
            else
            {
                await images.LoadAsync(service, progress, cancellationToken).ConfigureAwait(false);
                placed = await ApplyAsync(name, configMap, manifests, previous, report, cancellationToken).ConfigureAwait(false);
                await inventory.WriteAsync(name, placed, digest, cancellationToken).ConfigureAwait(false);
            }

            var waiting = progress is null ? null : new Progress<ReadinessStatus>(s => progress.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{name}@{service.Host}] {s.Object}: {s.State.ToString().ToLowerInvariant()} ({s.Message})") { Service = name, Host = service.Host }));
            await new ReadinessWaiter(connection, catalog).WaitAsync(placed, new ReadinessOptions { Timeout = options.ReadyTimeout, TimeProvider = options.TimeProvider }, waiting, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Service != name)
        {
            throw Named(e, name, service.Host);
        }
    }

    /// <summary>Dry run of the manifests, then the config ConfigMap (forced: its content is the three-way merge's result),
    /// the manifests, and the prune of what the previous inventory had; the inventory is recorded (without a digest)
    /// before the prune, so an interrupted apply is pruned or removed in full later.</summary>
    private async Task<IReadOnlyList<ObjectRef>> ApplyAsync(string name, ManifestObject? configMap, IReadOnlyList<ManifestObject> manifests, IReadOnlyList<ObjectRef> previous, IProgress<ApplyProgress>? report, CancellationToken cancellationToken)
    {
        var apply = new ApplyOptions { FieldManager = options.FieldManager };
        await applier.ApplyAsync(manifests, apply with { DryRunOnly = true }, null, cancellationToken).ConfigureAwait(false);
        var placed = new List<ObjectRef>();
        if (configMap is not null)
        {
            placed.AddRange((await applier.ApplyAsync([configMap], apply with { Force = true }, report, cancellationToken).ConfigureAwait(false)).Inventory);
        }

        placed.AddRange((await applier.ApplyAsync(manifests, apply, report, cancellationToken).ConfigureAwait(false)).Inventory);
        await inventory.WriteAsync(name, previous.Union(placed).ToList(), null, cancellationToken).ConfigureAwait(false);
        await applier.PruneAsync(previous, placed, report, cancellationToken).ConfigureAwait(false);
        return placed;
    }

    /// <inheritdoc />
    public async Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var name = service.Service.Name;
        var now = options.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var restarted = new List<ObjectRef>();
        foreach (var r in (await inventory.ReadAsync(name, cancellationToken).ConfigureAwait(false)).Objects)
        {
            var resource = await catalog.TryResolveAsync(r.ApiVersion, r.Kind, cancellationToken).ConfigureAwait(false);
            if (resource is null || r.Kind is not ("Deployment" or "StatefulSet" or "DaemonSet"))
            {
                continue;
            }

            // What `kubectl rollout restart` does: a new pod-template annotation, so the controller rolls the pods.
            var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/restartedAt"] = now } } } } };
            await connection.SendAsync(HttpMethod.Patch, resource.PathOf(r.Namespace, r.Name) + "?fieldManager=" + Uri.EscapeDataString(options.FieldManager + "-restart"), patch, "application/strategic-merge-patch+json", cancellationToken).ConfigureAwait(false);
            restarted.Add(r);
        }

        try
        {
            await new ReadinessWaiter(connection, catalog).WaitAsync(restarted, new ReadinessOptions { Timeout = options.ReadyTimeout, TimeProvider = options.TimeProvider }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Service != name)
        {
            throw Named(e, name, service.Host);
        }
    }

    /// <inheritdoc />
    public async Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        Check(host);
        var (objects, _) = await inventory.ReadAsync(service, cancellationToken).ConfigureAwait(false);
        await applier.PruneAsync(objects, [], null, cancellationToken).ConfigureAwait(false);
        var deadline = options.TimeProvider.GetUtcNow() + options.DeleteTimeout;
        var left = objects.ToList();
        while (true)
        {
            left = await StillThereAsync(left, cancellationToken).ConfigureAwait(false);
            if (left.Count == 0)
            {
                break;
            }

            if (options.TimeProvider.GetUtcNow() >= deadline)
            {
                throw new DeployException(DeployErrorCode.Timeout, $"{service} was deleted but after {options.DeleteTimeout} these objects are still there (finalizers pending?): {string.Join(", ", left)}. Check their finalizers, then run delete again.") { Service = service, Host = host };
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        await inventory.DeleteAsync(service, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the hook as a Job. The <see cref="HookKind.Reset"/> hook of a service with StatefulSets (middleware)
    /// is a reset: its StatefulSets are scaled to zero, the PersistentVolumeClaims of their volume claim templates
    /// deleted, the hook (its init) run, and the StatefulSets scaled back and waited on. The engine reaches it only
    /// with the product name confirmed.</summary>
    public async Task<HookResult> RunHookAsync(RenderedService service, HookKind kind, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (kind != HookKind.Reset)
        {
            return await hooks.RunAsync(service, kind, output, cancellationToken).ConfigureAwait(false);
        }

        return await reset.RunAsync(service, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies <paramref name="schedule"/> (scheduled.yaml; its hosts are node names) to the installed services:
    /// chosen nodes labelled <c>deploy-sdk.io/&lt;service&gt;=true</c>, that label as the workloads' nodeSelector,
    /// rollout waited on, pods verified on the chosen nodes, then the labels of nodes no longer chosen removed.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.ScheduleInvalid"/> for a node the cluster lacks (nothing
    /// changed); <see cref="DeployErrorCode.NotReady"/> when the rollout fails or pods run on other nodes.</exception>
    public Task<IReadOnlyList<NodePlacementResult>> ApplyScheduleAsync(Schedule schedule, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new NodePlacement(connection, catalog, inventory, options).ApplyAsync(schedule, progress, cancellationToken);
    }

    /// <summary>What <see cref="ApplyScheduleAsync"/> would do (its dry run; nothing changes): per service the nodes it
    /// would label and unlabel and the workloads that would get the node selector.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.ScheduleInvalid"/> for a node the cluster lacks.</exception>
    public Task<IReadOnlyList<NodePlacementResult>> PlanScheduleAsync(Schedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new NodePlacement(connection, catalog, inventory, options).PlanAsync(schedule, cancellationToken);
    }

    /// <summary>The cluster's node names (the "hosts" a scheduled.yaml on a cluster names), in name order.</summary>
    public async Task<IReadOnlyList<string>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        (await connection.Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Items
            .Select(n => n.Metadata.Name).Order(StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public Task<HostFacts> CollectFactsAsync(string host, IReadOnlyCollection<string> diskPaths, IReadOnlyCollection<string> commands, CancellationToken cancellationToken = default) =>
        ClusterFacts.CollectAsync(connection, Check(host), options.TimeProvider, cancellationToken);

    private async Task<List<ObjectRef>> StillThereAsync(List<ObjectRef> objects, CancellationToken cancellationToken)
    {
        var left = new List<ObjectRef>();
        foreach (var r in objects)
        {
            var resource = await catalog.TryResolveAsync(r.ApiVersion, r.Kind, cancellationToken).ConfigureAwait(false);
            if (resource is null)
            {
                continue;
            }

            try
            {
                await connection.SendAsync(HttpMethod.Get, resource.PathOf(r.Namespace, r.Name), null, null, cancellationToken).ConfigureAwait(false);
                left.Add(r);
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // gone
            }
        }

        return left;
    }

    private string Check(string host) => host == Hosts[0]
        ? host
        : throw new DeployException(DeployErrorCode.InvalidArgument, $"'{host}' is not a host of {Product} on Kubernetes: the cluster is the one host '{Hosts[0]}'.") { Host = host };

    private static DeployException Named(DeployException e, string service, string host) => e switch
    {
        ApplyConflictException c => new ApplyConflictException(c.Conflicts) { Service = service, Host = host },
        _ => new DeployException(e.Code, $"{service}: {e.Message}", e) { Service = service, Host = host, Path = e.Path },
    };
}
