using Deploy.Kubernetes.Connection;
using Deploy.Testing;

namespace Deploy.Kubernetes.Tests.Fake;

/// <summary>A started fake API server, a temp dir with its kubeconfig, and a connection to it (one per test class).</summary>
public sealed class FakeCluster : IAsyncLifetime
{
    internal FakeApiServer Server { get; private set; } = null!;

    public TempDirectory Temp { get; } = new("deploy-k8s");

    public string KubeconfigPath { get; private set; } = "";

    public KubernetesConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await FakeApiServer.StartAsync();
        KubeconfigPath = await Server.WriteKubeconfigAsync(Temp.Path);
        Connection = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Connection.Dispose();
        await Server.DisposeAsync();
        Temp.Dispose();
    }
}
