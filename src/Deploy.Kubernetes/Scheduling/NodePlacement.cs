using System.Net;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;

namespace Deploy.Kubernetes.Scheduling;

/// <summary>
/// scheduled.yaml on a cluster, where the "hosts" are node names: per service, the chosen nodes get the label
/// <c>deploy-sdk.io/&lt;service&gt;=true</c>, the service's workloads (Deployment, StatefulSet, DaemonSet of its
/// recorded inventory) get that label as their pod template's <c>nodeSelector</c> plus a required node affinity to
/// exactly those nodes (server-side apply under a field manager of its own, so a later upgrade keeps both; a changed
/// node list changes the template, so the pods roll), the workloads are waited on, their pods are checked to run only on
/// the chosen nodes, and only then are the labels of nodes no longer chosen removed (a move labels B, rolls, waits,
/// then unlabels A).
/// </summary>
internal sealed class NodePlacement(KubernetesConnection connection, ResourceCatalog catalog, InventoryStore inventory, KubernetesBackendOptions options)
{
    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public async Task<IReadOnlyList<NodePlacementResult>> ApplyAsync(Schedule schedule, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var (nodesResource, nodes) = await NodesAsync(schedule, cancellationToken).ConfigureAwait(false);
        var results = new List<NodePlacementResult>();
        foreach (var s in schedule.Services)
        {
            results.Add(await PlaceAsync(s, nodes, nodesResource, progress, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>What <see cref="ApplyAsync"/> would do, nothing changed: per service the nodes it would label and
    /// unlabel and the workloads that would get the node selector.</summary>
    public async Task<IReadOnlyList<NodePlacementResult>> PlanAsync(Schedule schedule, CancellationToken cancellationToken)
    {
        var (_, nodes) = await NodesAsync(schedule, cancellationToken).ConfigureAwait(false);
        var results = new List<NodePlacementResult>();
        foreach (var s in schedule.Services)
        {
            var label = NodePlacementResult.LabelOf(s.Service);
            var workloads = await WorkloadsAsync(s.Service, cancellationToken).ConfigureAwait(false);
            results.Add(new NodePlacementResult(s.Service, s.Hosts, s.Hosts.Where(h => !Has(nodes[h], label)).Order(StringComparer.Ordinal).ToList(),
                Unlabelled(s, nodes, label), workloads.Select(w => w.ToString()).ToList()));
        }

        return results;
    }

    /// <summary>The cluster's nodes by name; a schedule naming another node is refused before anything changes.</summary>
    private async Task<(ApiResource Resource, Dictionary<string, JsonObject> Nodes)> NodesAsync(Schedule schedule, CancellationToken cancellationToken)
    {
        var nodesResource = await catalog.ResolveAsync("v1", "Node", cancellationToken).ConfigureAwait(false);
        var nodes = ((await connection.SendAsync(HttpMethod.Get, nodesResource.PathOf(null, null), null, null, cancellationToken).ConfigureAwait(false))["items"] as JsonArray ?? [])
            .OfType<JsonObject>().ToDictionary(n => (string)n["metadata"]!["name"]!, StringComparer.Ordinal);
        foreach (var s in schedule.Services)
        {
            if (s.Hosts.FirstOrDefault(h => !nodes.ContainsKey(h)) is { } unknown)
            {
                throw new DeployException(DeployErrorCode.ScheduleInvalid, $"scheduled.yaml places {s.Service} on '{unknown}', which is not a node of the cluster (nodes: {string.Join(", ", nodes.Keys.Order(StringComparer.Ordinal))}).") { Service = s.Service, Host = unknown };
            }
        }

        return (nodesResource, nodes);
    }

    private static bool Has(JsonObject node, string label) => (string?)node["metadata"]?["labels"]?[label] == "true";

    private static List<string> Unlabelled(ScheduledService s, Dictionary<string, JsonObject> nodes, string label) =>
        nodes.Where(n => Has(n.Value, label) && !s.Hosts.Contains(n.Key)).Select(n => n.Key).Order(StringComparer.Ordinal).ToList();

    private async Task<List<ObjectRef>> WorkloadsAsync(string service, CancellationToken cancellationToken) =>
        (await inventory.ReadAsync(service, cancellationToken).ConfigureAwait(false)).Objects.Where(o => WorkloadKinds.Contains(o.Kind)).ToList();

    private async Task<NodePlacementResult> PlaceAsync(ScheduledService s, Dictionary<string, JsonObject> nodes, ApiResource nodesResource, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var label = NodePlacementResult.LabelOf(s.Service);
        var labelled = s.Hosts.Where(h => !Has(nodes[h], label)).Order(StringComparer.Ordinal).ToList();
        foreach (var node in labelled)
        {
            await LabelAsync(nodesResource, node, label, "true", cancellationToken).ConfigureAwait(false);
            progress?.Report($"[{s.Service}] node {node}: labelled {label}=true");
        }

        var workloads = await WorkloadsAsync(s.Service, cancellationToken).ConfigureAwait(false);
        if (workloads.Count > 0)
        {
            var selector = new JsonObject { [label] = "true" };
            var patches = workloads.Select(w => new ManifestObject(w, new JsonObject
            {
                ["apiVersion"] = w.ApiVersion, ["kind"] = w.Kind,
                ["metadata"] = new JsonObject { ["name"] = w.Name, ["namespace"] = w.Namespace },
                ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject { ["nodeSelector"] = selector.DeepClone(), ["affinity"] = Affinity(s.Hosts) } } },
            }, $"{s.Service}/scheduled.yaml")).ToList();
            await new ServerSideApplier(connection, catalog).ApplyAsync(patches, new ApplyOptions { FieldManager = options.FieldManager + "-schedule" }, null, cancellationToken).ConfigureAwait(false);
            progress?.Report($"[{s.Service}] nodeSelector {label}=true on {string.Join(", ", workloads)}; waiting for the rollout");
            try
            {
                await new ReadinessWaiter(connection, catalog).WaitAsync(workloads, new ReadinessOptions { Timeout = options.ReadyTimeout, TimeProvider = options.TimeProvider }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (DeployException e) when (e.Service is null)
            {
                throw new DeployException(e.Code, $"{s.Service}: {e.Message} The nodes no longer scheduled keep their label until the pods have moved.", e) { Service = s.Service };
            }

            await VerifyAsync(s, workloads, cancellationToken).ConfigureAwait(false);
        }

        var unlabelled = Unlabelled(s, nodes, label);
        foreach (var node in unlabelled)
        {
            await LabelAsync(nodesResource, node, label, null, cancellationToken).ConfigureAwait(false);
            progress?.Report($"[{s.Service}] node {node}: label {label} removed");
        }

        return new NodePlacementResult(s.Service, s.Hosts, labelled, unlabelled, workloads.Select(w => w.ToString()).ToList());
    }

    /// <summary>Required node affinity to exactly the chosen nodes (by <c>kubernetes.io/hostname</c>): with the label
    /// alone a move would not roll the pods (the selector stays the same) and new pods could land on the old node, still
    /// labelled until the move is done.</summary>
    private static JsonObject Affinity(IReadOnlyList<string> nodes) => new()
    {
        ["nodeAffinity"] = new JsonObject
        {
            ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
            {
                ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                {
                    ["matchExpressions"] = new JsonArray(new JsonObject
                    {
                        ["key"] = "kubernetes.io/hostname", ["operator"] = "In",
                        ["values"] = new JsonArray(nodes.Order(StringComparer.Ordinal).Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
                    }),
                }),
            },
        },
    };

    /// <summary>Every live pod of the workloads (by their selector) runs on a chosen node.</summary>
    private async Task VerifyAsync(ScheduledService s, List<ObjectRef> workloads, CancellationToken cancellationToken)
    {
        var pods = await catalog.ResolveAsync("v1", "Pod", cancellationToken).ConfigureAwait(false);
        foreach (var w in workloads)
        {
            var resource = await catalog.ResolveAsync(w.ApiVersion, w.Kind, cancellationToken).ConfigureAwait(false);
            var body = await connection.SendAsync(HttpMethod.Get, resource.PathOf(w.Namespace, w.Name), null, null, cancellationToken).ConfigureAwait(false);
            var match = body["spec"]?["selector"]?["matchLabels"] as JsonObject ?? [];
            var query = string.Join(',', match.Select(kv => $"{kv.Key}={(string?)kv.Value}"));
            var list = await connection.SendAsync(HttpMethod.Get, pods.PathOf(w.Namespace, null) + "?labelSelector=" + Uri.EscapeDataString(query), null, null, cancellationToken).ConfigureAwait(false);
            var live = (list["items"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(p => p["metadata"]?["deletionTimestamp"] is null && (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed")).ToList();
            var misplaced = live.Where(p => !s.Hosts.Contains((string?)p["spec"]?["nodeName"] ?? "")).ToList();
            if (misplaced.Count > 0)
            {
                var names = string.Join(", ", misplaced.Select(p => $"{p["metadata"]!["name"]} on {(string?)p["spec"]?["nodeName"] ?? "no node"}"));
                throw new DeployException(DeployErrorCode.NotReady, $"{s.Service}: {w} is ready but pods run outside its scheduled nodes ({string.Join(", ", s.Hosts)}): {names}.") { Service = s.Service, Host = (string?)misplaced[0]["spec"]?["nodeName"] };
            }
        }
    }

    private async Task LabelAsync(ApiResource nodesResource, string node, string label, string? value, CancellationToken cancellationToken)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [label] = value } } };
        try
        {
            await connection.SendAsync(HttpMethod.Patch, nodesResource.PathOf(null, node) + "?fieldManager=" + Uri.EscapeDataString(options.FieldManager + "-schedule"), patch, "application/merge-patch+json", cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DeployException(DeployErrorCode.ScheduleInvalid, $"Node {node} is gone from the cluster.", e) { Host = node };
        }
    }
}
