using Deploy.Core.Lifecycle.Engine;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Tests.Fake;
using Deploy.Testing;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>
/// The lifecycle contract every cluster must keep, written once and run against the fake (always) and against a real
/// cluster (<see cref="RealClusterContractTests"/>, when <c>DEPLOY_TEST_KUBECONFIG</c> names a kubeconfig; skipped
/// with that reason otherwise). The
/// product uses <c>busybox:1.36</c> (load it on air-gapped nodes) in a fresh namespace that is deleted afterwards.
/// </summary>
public abstract class ClusterContract(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory temp = new("deploy-contract");

    protected string Namespace { get; } = "deploy-contract-" + Guid.NewGuid().ToString("N")[..6];

    protected KubernetesConnection Connection { get; set; } = null!;

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        try
        {
            await Connection.Client.CoreV1.DeleteNamespaceAsync(Namespace);
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            // gone already
        }

        Connection.Dispose();
        temp.Dispose();
    }

    /// <summary>Install, a kubectl edit of a config, upgrade (the edit survives), apptest as a Job, delete.</summary>
    protected async Task InstallUpgradeApptestDeleteAsync()
    {
        await Connection.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
        var backend = new KubernetesBackend("shop", Connection, new KubernetesBackendOptions { Namespace = Namespace, ReadyTimeout = TimeSpan.FromMinutes(3), DeleteTimeout = TimeSpan.FromMinutes(2) });
        var engine = new LifecycleEngine(backend);
        var log = new Progress<LifecycleProgress>(e => output.WriteLine($"{e.Kind}: {e.Message}"));
        var v1 = await new ClusterProduct("1.0.0") { ApiImage = "busybox:1.36", DbImage = "busybox:1.36", Replicas = 1, ApiTest = "echo contract ok" }.WriteAsync(temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "busybox:1.36", DbImage = "busybox:1.36", Replicas = 1, ApiTest = "echo contract ok", ApiConfigExtra = "threads=8\n" }.WriteAsync(temp.Path);

        await engine.RunAsync(ClusterProduct.Input(backend, v1), new LifecycleRequest(LifecycleOperation.Install), log);
        var cm = await Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("api-config", Namespace);
        cm.Data["app.conf"] = cm.Data["app.conf"].Replace("log_level=info", "log_level=debug", StringComparison.Ordinal);
        await Connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "api-config", Namespace, fieldManager: "kubectl-edit");
        await engine.RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), log);
        var tests = await engine.AppTestAsync(ClusterProduct.Input(backend, v2), ["api"], progress: log);
        await engine.RunAsync(ClusterProduct.Input(backend, v2), new LifecycleRequest(LifecycleOperation.Delete), log);

        tests.Passed.Should().BeTrue();
        tests.Results[0].Output.Should().Contain("contract ok");
        (await engine.HistoryAsync()).Releases.Select(r => r.Operation).Should().Equal(LifecycleOperation.Install, LifecycleOperation.Upgrade, LifecycleOperation.Delete);
        (await Connection.Client.AppsV1.ListNamespacedDeploymentAsync(Namespace)).Items.Should().BeEmpty();
        (await Connection.Client.AppsV1.ListNamespacedStatefulSetAsync(Namespace)).Items.Should().BeEmpty();
    }
}

/// <summary>The contract on the in-process fake (with its controller and kubelet).</summary>
[Trait("Category", "Integration")]
public sealed class FakeClusterContractTests(ITestOutputHelper output) : ClusterContract(output)
{
    private readonly FakeCluster cluster = new();
    private FakeController controller = null!;

    public override async Task InitializeAsync()
    {
        await cluster.InitializeAsync();
        controller = new FakeController(cluster.Server.Store);
        var nodes = cluster.Server.Store.Resources.Single(r => r.Kind == "Node");
        cluster.Server.Store.Write(nodes, "", "node-1", false, _ => (ClusterProduct.Node("node-1", "4", "8Gi"), null));
        Connection = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(cluster.KubeconfigPath));
    }

    [Fact]
    public Task Install_upgrade_apptest_and_delete_keep_the_lifecycle_contract() => InstallUpgradeApptestDeleteAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await controller.DisposeAsync();
        await cluster.DisposeAsync();
    }
}

/// <summary>The contract on a real cluster: runs only when <c>DEPLOY_TEST_KUBECONFIG</c> names a kubeconfig
/// (optionally <c>DEPLOY_TEST_CONTEXT</c>); otherwise reported as skipped, with that reason.</summary>
[Trait("Category", "Integration")]
[Trait("Category", "RealCluster")]
public sealed class RealClusterContractTests(ITestOutputHelper output) : ClusterContract(output)
{
    public override async Task InitializeAsync()
    {
        if (RealClusterFactAttribute.Kubeconfig is { } path)
        {
            Connection = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(path, Environment.GetEnvironmentVariable("DEPLOY_TEST_CONTEXT")));
        }
    }

    public override Task DisposeAsync() => Connection is null ? Task.CompletedTask : base.DisposeAsync();

    [RealClusterFact]
    public Task Install_upgrade_apptest_and_delete_keep_the_lifecycle_contract() => InstallUpgradeApptestDeleteAsync();
}

/// <summary>A fact that needs a real cluster: reported as skipped, with the reason, unless <c>DEPLOY_TEST_KUBECONFIG</c>
/// names a kubeconfig (no real API server can be installed on the CI machines).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RealClusterFactAttribute : FactAttribute
{
    public RealClusterFactAttribute()
    {
        if (Kubeconfig is null)
        {
            Skip = "DEPLOY_TEST_KUBECONFIG is not set: no real cluster to run the lifecycle contract against (it ran on the fake in FakeClusterContractTests). Set it to a kubeconfig file (and DEPLOY_TEST_CONTEXT to a context) to run it.";
        }
    }

    /// <summary>The kubeconfig of the real cluster, or null.</summary>
    public static string? Kubeconfig => Environment.GetEnvironmentVariable("DEPLOY_TEST_KUBECONFIG") is { Length: > 0 } k ? k : null;
}
