using Deploy.Core.Errors;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Tests.Fake;

namespace Deploy.Kubernetes.Tests.Connection;

[Trait("Category", "Integration")]
public sealed class KubernetesConnectionTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    [Fact]
    public async Task A_missing_kubeconfig_is_KubeConfigInvalid_naming_the_file()
    {
        var path = cluster.Temp.Combine("nope");

        var act = () => KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(path));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.KubeConfigInvalid);
        e.Path.Should().Be(path);
    }

    [Fact]
    public async Task A_context_the_kubeconfig_lacks_is_KubeConfigInvalid_naming_it()
    {
        var act = () => KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(cluster.KubeconfigPath, "prod"));

        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("'prod'");
    }

    [Fact]
    public async Task The_context_namespace_is_the_default_and_the_target_can_override_it()
    {
        using var a = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(cluster.KubeconfigPath, "fake"));
        using var b = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(cluster.KubeconfigPath) with { Namespace = "shop" });

        a.DefaultNamespace.Should().Be("default");
        b.DefaultNamespace.Should().Be("shop");
        a.Server.Port.Should().Be(cluster.Server.Url.Port);
    }

    [Fact]
    public async Task Discovery_resolves_every_kind_generically_and_fetches_each_group_version_once()
    {
        var catalog = new ResourceCatalog(cluster.Connection);

        var deployment = await catalog.ResolveAsync("apps/v1", "Deployment");
        var statefulSet = await catalog.ResolveAsync("apps/v1", "StatefulSet");
        var node = await catalog.ResolveAsync("v1", "Node");
        var lease = await catalog.ResolveAsync("coordination.k8s.io/v1", "Lease");

        deployment.PathOf("shop", "web").Should().Be("apis/apps/v1/namespaces/shop/deployments/web");
        statefulSet.Plural.Should().Be("statefulsets");
        node.Namespaced.Should().BeFalse();
        node.PathOf("ignored", "n1").Should().Be("api/v1/nodes/n1");
        lease.PathOf("kube-system", null).Should().Be("apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
        catalog.DiscoveryRequests.Should().Be(3);
    }
}
