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

    /// <summary>Dry-runs then applies <paramref name="objects"/>.</summary>
    /// <exception cref="ApplyConflictException">Other managers own fields with other values (and not <see cref="ApplyOptions.Force"/>); nothing changed.</exception>
    /// <exception cref="Core.Errors.DeployException"><see cref="Core.Errors.DeployErrorCode.ResourceUnknown"/> for a kind the
    /// cluster does not serve (and no CRD in the set defines); <see cref="KubernetesApiException"/> for other refusals.</exception>
    public async Task<ApplyResult> ApplyAsync(IReadOnlyList<ManifestObject> objects, ApplyOptions? options = null,
        IProgress<ApplyProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objects);
        options ??= new ApplyOptions();
        var ordered = KindOrder.ForApply(objects);
        var dryRun = await DryRunAsync(ordered, options, progress, cancellationToken).ConfigureAwait(false);
        if (options.DryRunOnly)
        {
            return new ApplyResult(dryRun.Values.ToList(), DryRun: true);
        }

        var applied = new List<AppliedObject>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var o = ordered[i];
            var resource = await catalog.ResolveAsync(o.Ref.ApiVersion, o.Ref.Kind, cancellationToken).ConfigureAwait(false);
            var (reference, _) = Place(o, resource);
            var response = await PatchAsync(resource, reference, o, options, dryRun: false, cancellationToken).ConfigureAwait(false);
            var version = (string?)response["metadata"]?["resourceVersion"] ?? "";
            var before = dryRun.TryGetValue(o, out var d) ? d.ResourceVersion : null;
            var action = string.IsNullOrEmpty(before) ? ApplyAction.Created : before == version ? ApplyAction.Unchanged : ApplyAction.Configured;
            applied.Add(new AppliedObject(reference, action, version));
            if (o.Ref.Kind == "CustomResourceDefinition" && (string?)o.Body["spec"]?["group"] is { } group)
            {
                foreach (var v in (o.Body["spec"]?["versions"] as JsonArray ?? []).Select(v => (string?)v?["name"]).OfType<string>())
                {
                    catalog.Invalidate($"{group}/{v}");
                }
            }

            progress?.Report(new ApplyProgress("apply", reference, i + 1, ordered.Count, action));
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

    private async Task<Dictionary<ManifestObject, AppliedObject>> DryRunAsync(IReadOnlyList<ManifestObject> ordered, ApplyOptions options,
        IProgress<ApplyProgress>? progress, CancellationToken cancellationToken)
    {
        var newNamespaces = ordered.Where(o => o.Ref.Kind == "Namespace" && o.Ref.Group.Length == 0).Select(o => o.Ref.Name).ToHashSet(StringComparer.Ordinal);
        var newKinds = ordered.Where(o => o.Ref.Kind == "CustomResourceDefinition")
            .Select(o => ((string?)o.Body["spec"]?["group"], (string?)o.Body["spec"]?["names"]?["kind"])).ToHashSet();
        var conflicts = new List<ApplyConflict>();
        var result = new Dictionary<ManifestObject, AppliedObject>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < ordered.Count; i++)
        {
            var o = ordered[i];
            var resource = newKinds.Contains((o.Ref.Group, o.Ref.Kind))
                ? await catalog.TryResolveAsync(o.Ref.ApiVersion, o.Ref.Kind, cancellationToken).ConfigureAwait(false)
                : await catalog.ResolveAsync(o.Ref.ApiVersion, o.Ref.Kind, cancellationToken).ConfigureAwait(false);
            if (resource is null)
            {
                progress?.Report(new ApplyProgress("dry-run", o.Ref, i + 1, ordered.Count, null));
                continue;   // defined by a CRD of this same set: it can be checked only once the CRD exists
            }

            var (reference, ns) = Place(o, resource);
            try
            {
                var response = await PatchAsync(resource, reference, o, options, dryRun: true, cancellationToken).ConfigureAwait(false);
                var version = (string?)response["metadata"]?["resourceVersion"] ?? "";
                var action = version.Length == 0 ? ApplyAction.Created : ApplyAction.Configured;
                result[o] = new AppliedObject(reference, action, version);
                progress?.Report(new ApplyProgress("dry-run", reference, i + 1, ordered.Count, action));
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict && e.Causes.Any(c => c.Reason == "FieldManagerConflict"))
            {
                conflicts.AddRange(e.Causes.Where(c => c.Reason == "FieldManagerConflict")
                    .Select(c => new ApplyConflict(reference, c.Field, ManagerOf(c.Message))));
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound && ns is not null && newNamespaces.Contains(ns))
            {
                // its namespace is created by this same apply
            }
        }

        if (conflicts.Count > 0)
        {
            throw new ApplyConflictException(conflicts);
        }

        return result;
    }

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
