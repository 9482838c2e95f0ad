using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Kubernetes.Images;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Tests.Lifecycle;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Images;

/// <summary>Air-gapped images onto cluster nodes over SSH: real containerd per isolated host (its own image store),
/// <c>docker save</c> archives written by the test, <c>ctr images ls</c> per node to see what each node holds.</summary>
[Trait("Category", "Integration")]
public sealed class NodeImageLoaderTests(ContainerdNodesFixture fixture, ITestOutputHelper output)
    : ClusterTest(("node-a", "4", "8Gi"), ("node-b", "4", "8Gi")), IClassFixture<ContainerdNodesFixture>, IDisposable
{
    /// <summary>The first test's images as ctr lists them (the nodes' stores are shared by the tests of the class).</summary>
    private static readonly string[] Mine = ["registry.local/shop/app:1.0", "docker.io/library/busybox:1.36"];
    private readonly List<IHost> hosts = [];

    [Fact]
    public async Task Archives_load_onto_each_node_own_store_and_a_node_whose_import_fails_is_named_with_its_missing_images()
    {
        var app = await TestImageArchive.WriteAsync(Cluster.Temp.Combine("app.tar"), "registry.local/shop/app:1.0");
        var busybox = await TestImageArchive.WriteAsync(Cluster.Temp.Combine("busybox.tar"), "busybox:1.36");   // ctr lists it as docker.io/library/busybox:1.36
        string[] archives = [app, busybox];
        var progress = new Progress<string>(output.WriteLine);

        var plan = await new NodeImageLoader([Node("node-a"), Node("node-b"), Node("node-c")]).PlanAsync(archives);
        plan.Select(p => p.Node).Should().Equal("node-a", "node-b", "node-c");
        plan.Should().OnlyContain(p => p.Images.SequenceEqual(new[] { "registry.local/shop/app:1.0", "busybox:1.36" }));
        (await ImagesOnAsync("node-a")).Should().NotContain(Mine, "a plan loads nothing");

        // node-a alone: node-b's store stays empty (each node has its own).
        var first = await new NodeImageLoader([Node("node-a")]).LoadAsync(archives, progress);
        first.Single().Runtime.Should().Be(NodeRuntime.Containerd);
        first.Single().Missing.Should().BeEmpty();
        (await ImagesOnAsync("node-a")).Should().Contain(Mine);
        (await ImagesOnAsync("node-b")).Should().NotContain(Mine);

        // Every node: node-c has no containerd, so its import fails and the check names it and both images.
        var all = async () => await new NodeImageLoader([Node("node-a"), Node("node-b"), Node("node-c")]).LoadAsync(archives, progress);
        var e = (await all.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.VerificationFailed);
        e.Host.Should().Be("node-c");
        e.Message.Should().Contain("node node-c lacks registry.local/shop/app:1.0, busybox:1.36 (containerd's socket /run/ctr-node-c/containerd.sock does not exist)").And.Contain("1 of 3 nodes").And.NotContain("node node-a").And.NotContain("node node-b");
        (await ImagesOnAsync("node-b")).Should().Contain(Mine);
    }

    [Fact]
    public async Task A_malformed_archive_is_refused_before_any_node_is_touched()
    {
        var bad = Cluster.Temp.Combine("bad.tar");
        await File.WriteAllTextAsync(bad, "not a tar");

        var load = async () => await new NodeImageLoader([Node("node-c")]).LoadAsync([bad]);

        var e = (await load.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ImageArchiveInvalid);
        e.Path.Should().Be(bad);
    }

    [Fact]
    public async Task An_install_on_a_cluster_loads_the_package_images_onto_every_node_before_it_applies_a_workload()
    {
        var backend = new KubernetesBackend("shop", Cluster.Connection, new KubernetesBackendOptions
        {
            ReadyTimeout = TimeSpan.FromSeconds(20),
            NodeImages = new NodeImageLoader([Node("node-a"), Node("node-b")]),
        });
        var product = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        Directory.CreateDirectory(Path.Combine(product.Directory, "images"));
        await TestImageArchive.WriteAsync(Path.Combine(product.Directory, "images", "api.tar"), "registry.local/shop/api:lifecycle");
        var events = new List<string>();
        var progress = new SyncProgress<LifecycleProgress>(p =>
        {
            lock (events)
            {
                events.Add(p.Message);
            }
        });

        await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, product), new LifecycleRequest(LifecycleOperation.Install), progress);

        (await ImagesOnAsync("node-a")).Should().Contain("registry.local/shop/api:lifecycle");
        (await ImagesOnAsync("node-b")).Should().Contain("registry.local/shop/api:lifecycle");
        var loaded = events.FindLastIndex(m => m.StartsWith("[images] node", StringComparison.Ordinal) && m.Contains("loaded api.tar", StringComparison.Ordinal));
        var firstApply = events.FindIndex(m => m.Contains("] apply ", StringComparison.Ordinal));
        loaded.Should().BeGreaterThanOrEqualTo(0, string.Join("\n", events));
        firstApply.Should().BeGreaterThan(loaded, "the images are on the nodes before any object is applied");
        events.Count(m => m.Contains("loaded api.tar", StringComparison.Ordinal)).Should().Be(2, "once per node, not once per service");
    }

    public void Dispose()
    {
        foreach (var h in hosts)
        {
            h.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private ClusterNode Node(string name)
    {
        var host = fixture.Hosts[name].CreateHost();
        hosts.Add(host);
        return new ClusterNode(name, host) { Runtime = NodeRuntime.Containerd, ContainerdAddress = ContainerdNodesFixture.Socket(name), Snapshotter = "native" };
    }

    /// <summary>The node's images in containerd's k8s.io namespace.</summary>
    private async Task<List<string>> ImagesOnAsync(string node)
    {
        await using var host = fixture.Hosts[node].CreateHost();
        var result = (await host.RunAsync(CommandSpec.Of("ctr", "--address", ContainerdNodesFixture.Socket(node), "-n", "k8s.io", "images", "ls", "-q"))).ThrowOnFailure();
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
