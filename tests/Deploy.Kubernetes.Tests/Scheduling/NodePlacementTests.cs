using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Tests.Fake;
using Deploy.Kubernetes.Tests.Lifecycle;
using k8s;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Scheduling;

/// <summary>scheduled.yaml on a cluster (its hosts are node names): node labels, the workloads' nodeSelector, pods
/// verified on the chosen nodes (the fake scheduler binds pods to nodes matching the selector).</summary>
[Trait("Category", "Integration")]
public sealed class NodePlacementTests(ITestOutputHelper output) : ClusterTest(("node-a", "4", "8Gi"), ("node-b", "4", "8Gi"), ("node-c", "4", "8Gi"))
{
    private static readonly string[] NodeNames = ["node-a", "node-b", "node-c"];
    [Fact]
    public async Task Schedule_apply_labels_the_chosen_nodes_pins_the_pods_there_and_a_move_unlabels_the_old_node_only_after_the_rollout()
    {
        var backend = new KubernetesBackend("shop", Cluster.Connection, new KubernetesBackendOptions { ReadyTimeout = TimeSpan.FromSeconds(20) });
        var product = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, product), new LifecycleRequest(LifecycleOperation.Install));
        var progress = new Progress<string>(output.WriteLine);

        var first = await backend.ApplyScheduleAsync(Parse(product, "api: [node-a]\ndb: [node-c]\n"), progress);

        first.Single(r => r.Service == "api").Labelled.Should().Equal("node-a");
        (await NodesLabelledAsync("api")).Should().Equal("node-a");
        (await NodesLabelledAsync("db")).Should().Equal("node-c");
        (await PodNodesAsync("app=api")).Should().HaveCount(2).And.OnlyContain(n => n == "node-a");
        (await PodNodesAsync("app=db")).Should().Equal("node-c");
        var api = await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("api", "default");
        api.Spec.Template.Spec.NodeSelector.Should().Contain("deploy-sdk.io/api", "true");
        api.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchExpressions.Single().Values.Should().Equal("node-a");

        var requestsBefore = Requests().Count;
        var move = await backend.ApplyScheduleAsync(Parse(product, "api: [node-b]\ndb: [node-c]\n"), progress);

        var api2 = move.Single(r => r.Service == "api");
        api2.Labelled.Should().Equal("node-b");
        api2.Unlabelled.Should().Equal("node-a");
        (await NodesLabelledAsync("api")).Should().Equal("node-b");
        (await PodNodesAsync("app=api")).Should().HaveCount(2).And.OnlyContain(n => n == "node-b");
        var during = Requests().Skip(requestsBefore).ToList();
        var labelB = during.FindIndex(r => r.StartsWith("PATCH /api/v1/nodes/node-b", StringComparison.Ordinal));
        var applyApi = during.FindIndex(r => r.StartsWith("PATCH /apis/apps/v1/namespaces/default/deployments/api", StringComparison.Ordinal) && !r.Contains("dryRun", StringComparison.Ordinal));
        var checkPods = during.FindIndex(r => r.StartsWith("GET /api/v1/namespaces/default/pods", StringComparison.Ordinal));
        var unlabelA = during.FindIndex(r => r.StartsWith("PATCH /api/v1/nodes/node-a", StringComparison.Ordinal));
        labelB.Should().BeGreaterThanOrEqualTo(0);
        applyApi.Should().BeGreaterThan(labelB, "the workload rolls after node-b is labelled");
        checkPods.Should().BeGreaterThan(applyApi, "the pods' nodes are checked after the rollout is waited on");
        unlabelA.Should().BeGreaterThan(checkPods, "node-a keeps its label until the pods have moved");

        // An upgrade later keeps the placement: the nodeSelector belongs to the schedule's own field manager.
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:2.0" }.WriteAsync(Cluster.Temp.Path);
        await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, v2, product), new LifecycleRequest(LifecycleOperation.Upgrade));
        (await PodNodesAsync("app=api")).Should().HaveCount(2).And.OnlyContain(n => n == "node-b");
    }

    [Fact]
    public async Task A_schedule_naming_a_node_the_cluster_lacks_is_refused_before_any_label_changes()
    {
        var backend = new KubernetesBackend("shop", Cluster.Connection);
        var product = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);

        var schedule = new Schedule(product.Name, [new ScheduledService("api", ["node-a"]), new ScheduledService("db", ["node-z"])]);

        var apply = async () => await backend.ApplyScheduleAsync(schedule);

        var e = (await apply.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ScheduleInvalid);
        e.Host.Should().Be("node-z");
        (await NodesLabelledAsync("api")).Should().BeEmpty();
    }

    /// <summary>scheduled.yaml read with the nodes as the inventory's hosts (the same parser the hosts backend uses).</summary>
    private static Schedule Parse(ProductDefinition product, string services) =>
        ScheduleYaml.Parse($"product: {product.Name}\nservices:\n" + string.Join("", services.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n")), product,
            HostInventory.Parse("hosts:\n" + string.Join("", NodeNames.Select(n => $"  {n}: {{ address: 127.0.0.1 }}\n")), "nodes"));

    private List<string> Requests()
    {
        lock (Cluster.Server.Handler.Requests)
        {
            return [.. Cluster.Server.Handler.Requests];
        }
    }

    private async Task<List<string>> NodesLabelledAsync(string service) =>
        (await Cluster.Connection.Client.CoreV1.ListNodeAsync(labelSelector: $"deploy-sdk.io/{service}=true")).Items.Select(n => n.Metadata.Name).Order().ToList();

    private async Task<List<string>> PodNodesAsync(string selector) =>
        (await Cluster.Connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: selector)).Items.Select(p => p.Spec.NodeName).ToList();
}
