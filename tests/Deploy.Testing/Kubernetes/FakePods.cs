using System.Globalization;
using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// The pods of a Deployment or StatefulSet as the fake controller and scheduler make them: one pod per replica of the
/// current generation (<c>&lt;name&gt;-&lt;generation&gt;-&lt;i&gt;</c>, the template's labels, an owner reference),
/// each bound to a node (<c>spec.nodeName</c>) whose labels match the template's <c>nodeSelector</c> and required node
/// affinity, round robin over
/// the matching nodes in name order; the pods of older generations are deleted. With no matching node a pod stays
/// Pending with no node (and the workload is not ready). A fake cluster with no Node objects at all has no
/// scheduler: its pods run without a node.
/// </summary>
public static class FakePods
{
    private static readonly FakeResource Pods = FakeResource.Defaults.Single(r => r.Kind == "Pod");
    private static readonly FakeResource Nodes = FakeResource.Defaults.Single(r => r.Kind == "Node");

    /// <summary>Creates the current generation's pods and deletes older ones; returns how many are bound to a node.</summary>
    public static int Reconcile(FakeStore store, string ns, JsonObject workload)
    {
        var name = (string)workload["metadata"]!["name"]!;
        var uid = (string?)workload["metadata"]!["uid"] ?? "";
        var generation = (long?)workload["metadata"]?["generation"] ?? 1;
        var replicas = workload["spec"]?["replicas"] is JsonValue r && r.TryGetValue<long>(out var n) ? n : 1;
        var template = workload["spec"]?["template"] as JsonObject ?? new JsonObject();
        var selector = template["spec"]?["nodeSelector"] as JsonObject ?? new JsonObject();
        var all = store.List(Nodes, null).Items;
        var unscheduled = all.Count == 0;   // a fake cluster without Node objects: no scheduling, every pod runs
        var nodes = all
            .Where(node => selector.All(kv => (string?)node["metadata"]?["labels"]?[kv.Key] == (string?)kv.Value) && Affine(template, node))
            .Select(node => (string)node["metadata"]!["name"]!).Order(StringComparer.Ordinal).ToList();
        var prefix = $"{name}-{generation.ToString(CultureInfo.InvariantCulture)}-";
        foreach (var old in store.List(Pods, ns, p => Owned(p, uid)).Items.Select(p => (string)p["metadata"]!["name"]!).Where(p => !p.StartsWith(prefix, StringComparison.Ordinal)))
        {
            try
            {
                store.Delete(Pods, ns, old, false);
            }
            catch (FakeApiError)
            {
                // gone meanwhile
            }
        }

        var bound = 0;
        for (var i = 0; i < replicas; i++)
        {
            var node = nodes.Count == 0 ? null : nodes[i % nodes.Count];
            var runs = node is not null || unscheduled;
            bound += runs ? 1 : 0;
            var spec = (JsonObject)(template["spec"]?.DeepClone() ?? new JsonObject());
            if (node is not null)
            {
                spec["nodeName"] = node;
            }

            var pod = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Pod",
                ["metadata"] = new JsonObject
                {
                    ["name"] = prefix + i.ToString(CultureInfo.InvariantCulture), ["namespace"] = ns,
                    ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                    ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = (string?)workload["apiVersion"], ["kind"] = (string?)workload["kind"], ["name"] = name, ["uid"] = uid, ["controller"] = true }),
                },
                ["spec"] = spec,
                ["status"] = runs ? new JsonObject() : new JsonObject { ["phase"] = "Pending" },
            };
            store.Write(Pods, ns, prefix + i.ToString(CultureInfo.InvariantCulture), false, current => current is null ? (pod, null) : null);
        }

        return bound;
    }

    /// <summary>Required node affinity: any term matches when all its expressions do (operators In and NotIn,
    /// <c>kubernetes.io/hostname</c> being the node's name as the kubelet labels it).</summary>
    private static bool Affine(JsonObject template, JsonObject node)
    {
        if (template["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] is not JsonArray terms)
        {
            return true;
        }

        string? Label(string key) => (string?)node["metadata"]?["labels"]?[key] ?? (key == "kubernetes.io/hostname" ? (string?)node["metadata"]?["name"] : null);
        return terms.OfType<JsonObject>().Any(t => (t["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>().All(e =>
        {
            var values = (e["values"] as JsonArray ?? []).Select(v => (string?)v).ToList();
            return (string?)e["operator"] switch
            {
                "In" => values.Contains(Label((string)e["key"]!)),
                "NotIn" => !values.Contains(Label((string)e["key"]!)),
                _ => false,
            };
        }));
    }

    private static bool Owned(JsonObject pod, string uid) =>
        (pod["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(o => (string?)o?["uid"] == uid);
}
