using System.Net;
using System.Text.Json.Nodes;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Apply;

/// <summary>
/// Applies manifest sets with server-side apply (<c>kubectl apply --server-side</c>), one generic path for every kind:
/// objects in <see cref="KindOrder"/>, resources found through discovery; first a server dry run of every object so
/// that field-manager conflicts are reported, per object and field, before anything changes; then the apply.
/// <see cref="PruneAsync"/> deletes what a previous inventory had and the new set lacks.
/// </summary>
public sealed class ServerSideApplier
{
    private readonly KubernetesConnection connection;
    private readonly ResourceCatalog catalog;

    /// <summary>An applier on a connection; pass the catalog to share its discovery cache.</summary>
    public ServerSideApplier(KubernetesConnection connection, ResourceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        this.connection = connection;
        this.catalog = catalog ?? new ResourceCatalog(connection);
    }

    /// <summary>Dry-runs then applies <paramref name="objects"/>, up to <see cref="ApplyOptions.MaxConcurrency"/>
    /// requests at once (the dry run of every object; the apply one kind rank after another).</summary>
    /// <exception cref="ApplyConflictException">Other managers own fields with other values (and not <see cref="ApplyOptions.Force"/>); nothing changed.</exception>
    /// <exception cref="Core.Errors.DeployException"><see cref="Core.Errors.DeployErrorCode.ResourceUnknown"/> for a kind the
    /// cluster does not serve (and no CRD in the set defines); <see cref="KubernetesApiException"/> for other refusals.</exception>
    public async Task<ApplyResult> ApplyAsync(IReadOnlyList<ManifestObject> objects, ApplyOptions? options = null,
        IProgress<ApplyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objects);
        options ??= new ApplyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1, nameof(options));
        var ordered = KindOrder.ForApply(objects);
        var dryRun = await DryRunAsync(ordered, options, progress, cancellationToken).ConfigureAwait(false);
        if (options.DryRunOnly)
        {
            return new ApplyResult(dryRun.OfType<AppliedObject>().ToList(), DryRun: true);
        }

        var applied = new AppliedObject[ordered.Count];
        var done = 0;
        foreach (var rank in Ranks(ordered))
        {
            // Resolved before the rank's requests go out: a custom resource's kind exists once its CRD's rank is done.
            var resources = new ApiResource[rank.Count];
            for (var k = 0; k < rank.Count; k++)
            {
                resources[k] = await catalog.ResolveAsync(ordered[rank[k]].Ref.ApiVersion, ordered[rank[k]].Ref.Kind, cancellationToken).ConfigureAwait(false);
            }

            await ConcurrentlyAsync(rank.Count, options.MaxConcurrency, async (k, ct) =>
            {
                var i = rank[k];
                var o = ordered[i];
                var (reference, _) = Place(o, resources[k]);
                var response = await PatchAsync(resources[k], reference, o, options, dryRun: false, ct).ConfigureAwait(false);
                var version = (string?)response["metadata"]?["resourceVersion"] ?? "";
                var before = dryRun[i]?.ResourceVersion;
                var action = string.IsNullOrEmpty(before) ? ApplyAction.Created : before == version ? ApplyAction.Unchanged : ApplyAction.Configured;
                applied[i] = new AppliedObject(reference, action, version);
                progress?.Report(new ApplyProgress("apply", reference, Interlocked.Increment(ref done), ordered.Count, action));
            }, cancellationToken).ConfigureAwait(false);

            foreach (var o in rank.Select(i => ordered[i]).Where(o => o.Ref.Kind == "CustomResourceDefinition"))
            {
                if ((string?)o.Body["spec"]?["group"] is { } group)
                {
                    foreach (var v in (o.Body["spec"]?["versions"] as JsonArray ?? []).Select(v => (string?)v?["name"]).OfType<string>())
                    {
                        catalog.Invalidate($"{group}/{v}");
                    }
                }
            }
        }

        return new ApplyResult(applied, DryRun: false);
    }

    /// <summary>Deletes the objects of <paramref name="previousInventory"/> that <paramref name="currentInventory"/>
    /// lacks, in reverse kind order; objects already gone are skipped. Only recorded objects are touched: no label
    /// query, so another release's objects are never hit.</summary>
    /// <returns>The objects deleted.</returns>
    public async Task<IReadOnlyList<ObjectRef>> PruneAsync(IReadOnlyList<ObjectRef> previousInventory, IReadOnlyList<ObjectRef> currentInventory,
        IProgress<ApplyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previousInventory);
        ArgumentNullException.ThrowIfNull(currentInventory);
        var keep = currentInventory.Select(Key).ToHashSet();
        var doomed = KindOrder.ForDelete(previousInventory.Where(r => !keep.Contains(Key(r))));
        var deleted = new List<ObjectRef>();
        for (var i = 0; i < doomed.Count; i++)
        {
            var r = doomed[i];
            var resource = await catalog.TryResolveAsync(r.ApiVersion, r.Kind, cancellationToken).ConfigureAwait(false);
            if (resource is null)
            {
                continue;   // its kind is gone (CRD removed): so is the object
            }

            try
            {
                await connection.SendAsync(HttpMethod.Delete, resource.PathOf(r.Namespace, r.Name) + "?propagationPolicy=Background", null, null, cancellationToken).ConfigureAwait(false);
                deleted.Add(r);
                progress?.Report(new ApplyProgress("prune", r, i + 1, doomed.Count, null));
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // already gone
            }
        }

        return deleted;
    }

    /// <summary>The server dry run of every object (concurrently: nothing changes, so no order is needed); per object
    /// its would-be result (null where it cannot be checked yet), or every conflict, in manifest order.</summary>
    private async Task<AppliedObject?[]> DryRunAsync(IReadOnlyList<ManifestObject> ordered, ApplyOptions options,
        IProgress<ApplyProgress>? progress, CancellationToken cancellationToken)
    {
        var newNamespaces = ordered.Where(o => o.Ref.Kind == "Namespace" && o.Ref.Group.Length == 0).Select(o => o.Ref.Name).ToHashSet(StringComparer.Ordinal);
        var newKinds = ordered.Where(o => o.Ref.Kind == "CustomResourceDefinition")
            .Select(o => ((string?)o.Body["spec"]?["group"], (string?)o.Body["spec"]?["names"]?["kind"])).ToHashSet();
        var resources = new ApiResource?[ordered.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            var o = ordered[i];
            resources[i] = newKinds.Contains((o.Ref.Group, o.Ref.Kind))
                ? await catalog.TryResolveAsync(o.Ref.ApiVersion, o.Ref.Kind, cancellationToken).ConfigureAwait(false)
                : await catalog.ResolveAsync(o.Ref.ApiVersion, o.Ref.Kind, cancellationToken).ConfigureAwait(false);
        }

        var conflicts = new List<ApplyConflict>?[ordered.Count];
        var result = new AppliedObject?[ordered.Count];
        var done = 0;
        await ConcurrentlyAsync(ordered.Count, options.MaxConcurrency, async (i, ct) =>
        {
            var o = ordered[i];
            if (resources[i] is not { } resource)
            {
                progress?.Report(new ApplyProgress("dry-run", o.Ref, Interlocked.Increment(ref done), ordered.Count, null));
                return;   // defined by a CRD of this same set: it can be checked only once the CRD exists
            }

            var (reference, ns) = Place(o, resource);
            try
            {
                var response = await PatchAsync(resource, reference, o, options, dryRun: true, ct).ConfigureAwait(false);
                var version = (string?)response["metadata"]?["resourceVersion"] ?? "";
                var action = version.Length == 0 ? ApplyAction.Created : ApplyAction.Configured;
                result[i] = new AppliedObject(reference, action, version);
                progress?.Report(new ApplyProgress("dry-run", reference, Interlocked.Increment(ref done), ordered.Count, action));
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.Causes.Any(c => c.Reason == "FieldManagerConflict"))
            {
                conflicts[i] = e.Causes.Where(c => c.Reason == "FieldManagerConflict").Select(c => new ApplyConflict(reference, c.Field, ManagerOf(c.Message))).ToList();
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound && ns is not null && newNamespaces.Contains(ns))
            {
                // its namespace is created by this same apply
            }
        }, cancellationToken).ConfigureAwait(false);

        var all = conflicts.OfType<List<ApplyConflict>>().SelectMany(c => c).ToList();
        return all.Count > 0 ? throw new ApplyConflictException(all) : result;
    }

    /// <summary>The positions of <paramref name="ordered"/> (in apply order) grouped by kind rank, ranks in order.</summary>
    private static IEnumerable<List<int>> Ranks(IReadOnlyList<ManifestObject> ordered)
    {
        var group = new List<int>();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (group.Count > 0 && KindOrder.Rank(ordered[i].Ref.Kind) != KindOrder.Rank(ordered[group[0]].Ref.Kind))
            {
                yield return group;
                group = [];
            }

            group.Add(i);
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1, at most <paramref name="limit"/> at once; the first failure
    /// cancels the rest and is thrown.</summary>
    private static Task ConcurrentlyAsync(int count, int limit, Func<int, CancellationToken, ValueTask> body, CancellationToken cancellationToken) =>
        count == 0
            ? Task.CompletedTask
            : Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = limit, CancellationToken = cancellationToken }, body);

    private (ObjectRef Ref, string? Namespace) Place(ManifestObject o, ApiResource resource)
    {
        var ns = resource.Namespaced ? o.Ref.Namespace ?? connection.DefaultNamespace : null;
        return (o.Ref with { Namespace = ns }, ns);
    }

    private Task<JsonObject> PatchAsync(ApiResource resource, ObjectRef reference, ManifestObject o, ApplyOptions options, bool dryRun, CancellationToken cancellationToken)
    {
        var query = $"?fieldManager={Uri.EscapeDataString(options.FieldManager)}&force={(options.Force ? "true" : "false")}{(dryRun ? "&dryRun=All" : "")}";
        var body = o.BodyIn(reference.Namespace);
        if (reference.Namespace is null && body["metadata"] is JsonObject metadata)
        {
            metadata.Remove("namespace");
        }

        return connection.SendAsync(HttpMethod.Patch, resource.PathOf(reference.Namespace, reference.Name) + query, body, "application/apply-patch+yaml", cancellationToken);
    }

    private static (string, string, string?, string) Key(ObjectRef r) => (r.Group, r.Kind, r.Namespace, r.Name);

    /// <summary>The manager in a conflict cause's message: <c>conflict with "kubectl-edit" using v1</c>.</summary>
    private static string ManagerOf(string message)
    {
        var start = message.IndexOf('"', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('"', start + 1);
        return end > start ? message[(start + 1)..end] : message;
    }
}
