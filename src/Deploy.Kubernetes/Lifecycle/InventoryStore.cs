using System.Net;
using System.Text.Json;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The recorded inventory of each service of a product (the objects its last apply placed), one ConfigMap
/// <c>&lt;product&gt;.&lt;service&gt;.inventory</c> per service: prune and removal act on it, never on a label
/// query; and where each config file of the product lives (ConfigMaps annotated with their paths).
/// </summary>
internal sealed class InventoryStore(KubernetesConnection connection, string product, string ns)
{
    public const string PathsAnnotation = "deploy-sdk.io/paths";
    private const string RoleLabel = "deploy-sdk.io/role";

    /// <summary>The objects of the service's last apply and the digest of what it applied (null while an apply is under way).</summary>
    public async Task<(IReadOnlyList<ObjectRef> Objects, string? Digest)> ReadAsync(string service, CancellationToken cancellationToken)
    {
        var cm = await TryReadAsync(Name(service), cancellationToken).ConfigureAwait(false);
        var objects = cm?.Data?.TryGetValue("objects", out var json) == true
            ? JsonSerializer.Deserialize<List<ObjectRef>>(json, Json) ?? []
            : [];
        return (objects, cm?.Data?.TryGetValue("digest", out var digest) == true ? digest : null);
    }

    public async Task WriteAsync(string service, IReadOnlyList<ObjectRef> objects, string? digest, CancellationToken cancellationToken)
    {
        var cm = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = Name(service), NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [ServiceObjects.ProductLabel] = product, [ServiceObjects.ServiceLabel] = ServiceObjects.Dns(service), [RoleLabel] = "inventory" },
            },
            Data = new Dictionary<string, string> { ["objects"] = JsonSerializer.Serialize(objects, Json) },
        };
        if (digest is not null)
        {
            cm.Data["digest"] = digest;
        }

        try
        {
            await connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, cm.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await connection.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DeleteAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            await connection.Client.CoreV1.DeleteNamespacedConfigMapAsync(Name(service), ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // absent is fine
        }
    }

    /// <summary>The live content of the config at <paramref name="path"/> (as <c>kubectl edit</c> may have left it); null when absent.</summary>
    public async Task<string?> ReadConfigAsync(string path, CancellationToken cancellationToken)
    {
        var list = await connection.Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: $"{ServiceObjects.ProductLabel}={product}", cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var cm in list.Items)
        {
            if (cm.Metadata.Annotations?.TryGetValue(PathsAnnotation, out var paths) != true)
            {
                continue;
            }

            var map = JsonSerializer.Deserialize<Dictionary<string, string>>(paths!) ?? [];
            foreach (var (key, p) in map)
            {
                if (p == path)
                {
                    return cm.Data?.TryGetValue(key, out var text) == true ? text : null;
                }
            }
        }

        return null;
    }

    private string Name(string service) => $"{product}.{ServiceObjects.Dns(service)}.inventory";

    private async Task<V1ConfigMap?> TryReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
