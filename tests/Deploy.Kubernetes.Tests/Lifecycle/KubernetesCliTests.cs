using Deploy.Kubernetes.Tests.Fake;
using k8s;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>The sample `deploy` CLI's lifecycle verbs with --kubeconfig pick the Kubernetes backend (child process
/// against the fake).</summary>
[Trait("Category", "Integration")]
public sealed class KubernetesCliTests(ITestOutputHelper output) : ClusterTest(("node-1", "4", "8Gi"))
{
    [Fact]
    public async Task Install_history_and_delete_with_kubeconfig_run_on_the_cluster_and_without_hosts_or_cluster_are_refused()
    {
        await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var product = Path.Combine(Cluster.Temp.Path, "1.0.0");

        var install = await RunAsync("install", "-f", product, "--kubeconfig", Cluster.KubeconfigPath);
        install.ExitCode.Should().Be(0, install.Output);
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("api", "default")).Status.ReadyReplicas.Should().Be(2);

        var history = await RunAsync("history", "-f", product, "--kubeconfig", Cluster.KubeconfigPath);
        history.ExitCode.Should().Be(0, history.Output);
        history.Output.Should().Contain("1.0.0").And.Contain("succeeded");

        var delete = await RunAsync("delete", "-f", product, "--kubeconfig", Cluster.KubeconfigPath);
        delete.ExitCode.Should().Be(0, delete.Output);
        (await Cluster.Connection.Client.AppsV1.ListNamespacedDeploymentAsync("default")).Items.Should().BeEmpty();

        var neither = await RunAsync("install", "-f", product);
        neither.ExitCode.Should().NotBe(0);
        neither.Output.Should().Contain("--kubeconfig");
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var (exit, text, _) = await ClusterTools.DeployAsync(Cluster, args);
        output.WriteLine(text);
        return (exit, text);
    }
}
