using Deploy.Kubernetes.Tests.Fake;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>A test class's fake cluster: the API server, its controller (and kubelet) and the given Ready nodes,
/// started before the tests of the class and stopped after them.</summary>
/// <param name="nodes">The nodes: name, allocatable CPU and memory.</param>
public abstract class ClusterTest(params (string Name, string Cpu, string Memory)[] nodes) : IAsyncLifetime
{
    /// <summary>The fake API server with its kubeconfig and temp folder.</summary>
    protected FakeCluster Cluster { get; } = new();

    /// <summary>The fake controller; a test may replace it (e.g. with a readiness delay), disposing the old one.</summary>
    protected FakeController Controller { get; set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Controller = new FakeController(Cluster.Server.Store);
        var store = Cluster.Server.Store.Resources.Single(r => r.Kind == "Node");
        foreach (var (name, cpu, memory) in nodes)
        {
            Cluster.Server.Store.Write(store, "", name, false, _ => (ClusterProduct.Node(name, cpu, memory), null));
        }
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await Controller.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
