using System.Net;
using System.Text.Json.Nodes;
using Deploy.Kubernetes.Tests.Fake;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Deploy.Kubernetes.Tests.Fake;

/// <summary>The fake speaks the API as the official client expects: TLS and token, optimistic concurrency, watches.</summary>
[Trait("Category", "Integration")]
public sealed class FakeApiServerTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    private IKubernetes Client => cluster.Connection.Client;

    private static V1ConfigMap Settings(string level) => new()
    {
        Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = "default" },
        Data = new Dictionary<string, string> { ["level"] = level },
    };

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_refused_with_409_Conflict()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("info"), "default");
        var first = created;
        first.Data["level"] = "debug";
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "settings", "default");
        updated.Metadata.ResourceVersion.Should().NotBe(created.Metadata.ResourceVersion);

        var stale = Settings("warn");
        stale.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
        var act = () => Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "settings", "default");

        (await act.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default")).Data["level"].Should().Be("debug");
    }

    [Fact]
    public async Task A_wrong_token_is_refused_with_401()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(
            await KubernetesClientConfiguration.LoadKubeConfigAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(cluster.Server.Kubeconfig(token: "wrong")))));
        using var client = new k8s.Kubernetes(config);

        var act = () => client.CoreV1.ListNamespaceAsync();

        (await act.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Create_takes_ownership_of_fields_for_the_field_manager_and_an_update_moves_changed_fields()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("info"), "default", fieldManager: "creator");
        var live = await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default");
        live.Data["level"] = "debug";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(live, "settings", "default", fieldManager: "kubectl-edit");

        var managed = (await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default")).Metadata.ManagedFields;

        managed.Select(m => (m.Manager, m.Operation)).Should().BeEquivalentTo([("kubectl-edit", "Update")],
            "the creator's only field changed hands, and an entry without fields is dropped");
    }

    [Fact]
    public async Task Watch_replays_changes_after_the_resourceVersion_and_sends_bookmarks()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("info"), "default");
        var live = await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default");
        live.Data["level"] = "debug";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(live, "settings", "default");

        var events = await ReadWatchAsync($"api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion={created.Metadata.ResourceVersion}", 2);

        events.Select(e => (string?)e["type"]).Should().Equal("MODIFIED", "BOOKMARK");
        ((string?)events[0]["object"]!["data"]!["level"]).Should().Be("debug");
    }

    [Fact]
    public async Task Watch_from_a_compacted_resourceVersion_gets_an_ERROR_event_with_410_Expired()
    {
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("info"), "default");
        var live = await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default");
        live.Data["level"] = "debug";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(live, "settings", "default");
        cluster.Server.Store.Compact();

        var events = await ReadWatchAsync($"api/v1/namespaces/default/configmaps?watch=true&resourceVersion={created.Metadata.ResourceVersion}", 1);

        ((string?)events[0]["type"]).Should().Be("ERROR");
        ((int?)events[0]["object"]!["code"]).Should().Be(410);
        ((string?)events[0]["object"]!["reason"]).Should().Be("Expired");
    }

    private async Task<List<JsonObject>> ReadWatchAsync(string uri, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await cluster.Connection.SendRawAsync(HttpMethod.Get, uri, null, null, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<JsonObject>();
        while (events.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            events.Add((JsonObject)JsonNode.Parse(line)!);
        }

        return events;
    }
}
