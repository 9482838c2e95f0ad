using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The reset of a middleware service on a cluster: its StatefulSets (from its recorded inventory) are scaled to zero
/// and waited on, the PersistentVolumeClaims of their volume claim templates (<c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c>)
/// deleted, its reset hook run as a Job (the init that fills the new volumes), and the StatefulSets scaled back to
/// their replicas and waited on. The engine calls it only once the product name was confirmed.
/// </summary>
internal sealed class MiddlewareReset(KubernetesConnection connection, ResourceCatalog catalog, InventoryStore inventory, HookJobs hooks, KubernetesBackendOptions options)
{
    public async Task<HookResult> RunAsync(RenderedService service, Action<string>? output, CancellationToken cancellationToken)
    {
        const HookKind kind = HookKind.Reset;
        var sets = (await inventory.ReadAsync(service.Service.Name, cancellationToken).ConfigureAwait(false)).Objects.Where(o => o.Kind == "StatefulSet").ToList();
        var resource = await catalog.ResolveAsync("apps/v1", "StatefulSet", cancellationToken).ConfigureAwait(false);
        var pvcs = await catalog.ResolveAsync("v1", "PersistentVolumeClaim", cancellationToken).ConfigureAwait(false);
        var replicas = new Dictionary<ObjectRef, long>();
        foreach (var set in sets)
        {
            var live = await connection.SendAsync(HttpMethod.Get, resource.PathOf(set.Namespace, set.Name), null, null, cancellationToken).ConfigureAwait(false);
            replicas[set] = live["spec"]?["replicas"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 1;
            output?.Invoke($"reset: scaling StatefulSet {set.Name} from {replicas[set]} to 0");
            await ScaleAsync(resource, set, 0, cancellationToken).ConfigureAwait(false);
            foreach (var template in (live["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).Select(t => (string?)t?["metadata"]?["name"]).OfType<string>())
            {
                for (var i = 0; i < Math.Max(replicas[set], 1); i++)
                {
                    var claim = $"{template}-{set.Name}-{i.ToString(CultureInfo.InvariantCulture)}";
                    try
                    {
                        await connection.SendAsync(HttpMethod.Delete, pvcs.PathOf(set.Namespace, claim), null, null, cancellationToken).ConfigureAwait(false);
                        output?.Invoke($"reset: deleted PersistentVolumeClaim {claim}");
                    }
                    catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
                    {
                        // never bound or already gone
                    }
                }
            }
        }

        await WaitAsync(sets, cancellationToken).ConfigureAwait(false);
        var result = await hooks.RunAsync(service, kind, output, cancellationToken).ConfigureAwait(false);
        foreach (var set in sets)
        {
            output?.Invoke($"reset: scaling StatefulSet {set.Name} back to {replicas[set]}");
            await ScaleAsync(resource, set, replicas[set], cancellationToken).ConfigureAwait(false);
        }

        await WaitAsync(sets, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private Task ScaleAsync(ApiResource resource, ObjectRef set, long replicas, CancellationToken cancellationToken) =>
        connection.SendAsync(HttpMethod.Patch, resource.PathOf(set.Namespace, set.Name) + "?fieldManager=" + Uri.EscapeDataString(options.FieldManager), new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }, "application/merge-patch+json", cancellationToken);

    private Task WaitAsync(IReadOnlyList<ObjectRef> objects, CancellationToken cancellationToken) =>
        new ReadinessWaiter(connection, catalog).WaitAsync(objects, new ReadinessOptions { Timeout = options.ReadyTimeout, TimeProvider = options.TimeProvider }, cancellationToken: cancellationToken);
}
