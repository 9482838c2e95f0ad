using System.Diagnostics;
using System.Text.Json.Nodes;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Tests.Fake;

/// <summary>The real kubectl (Debian's kubernetes-client) against the fake: it applies, reads and conflicts as on a
/// real cluster, and agrees with the fake's state and with what our applier did.</summary>
[Trait("Category", "Integration")]
public sealed class KubectlAgreementTests : IAsyncLifetime
{
    private const string Manifests = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          level: info
          port: "8080"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: registry.local/web:1.0
        """;

    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    [Fact]
    public async Task Kubectl_apply_server_side_creates_what_kubectl_get_and_the_fake_then_agree_on()
    {
        var file = cluster.Temp.WriteFile("app.yaml", Manifests);

        var apply = await KubectlAsync("apply", "--server-side", "-f", file);
        var get = await KubectlAsync("get", "configmap", "settings", "-n", "shop", "-o", "json", "--show-managed-fields");

        apply.ExitCode.Should().Be(0, apply.Output);
        apply.Output.Should().Contain("namespace/shop serverside-applied").And.Contain("deployment.apps/web serverside-applied");
        var stored = cluster.Server.Store.Get(FakeResource.Defaults.Single(r => r.Kind == "ConfigMap"), "shop", "settings")!;
        var printed = (JsonObject)JsonNode.Parse(get.Stdout)!;
        printed["data"]!.ToJsonString().Should().Be(stored["data"]!.ToJsonString()).And.Be("""{"level":"info","port":"8080"}""");
        ((string?)printed["metadata"]!["resourceVersion"]).Should().Be((string?)stored["metadata"]!["resourceVersion"]);
        ((string?)printed["metadata"]!["managedFields"]![0]!["manager"]).Should().Be("kubectl");
        ((string?)printed["metadata"]!["managedFields"]![0]!["operation"]).Should().Be("Apply");
    }

    [Fact]
    public async Task Kubectl_sees_what_our_applier_applied_and_reapplying_the_same_with_kubectl_is_refused_as_a_conflict()
    {
        await new ServerSideApplier(cluster.Connection).ApplyAsync(ManifestSet.Parse(Manifests));
        var file = cluster.Temp.WriteFile("changed.yaml", Manifests.Replace("level: info", "level: debug", StringComparison.Ordinal));

        var get = await KubectlAsync("get", "deployment", "web", "-n", "shop", "-o", "json", "--show-managed-fields");
        var conflicting = await KubectlAsync("apply", "--server-side", "-f", file);

        get.ExitCode.Should().Be(0, get.Output);
        var printed = (JsonObject)JsonNode.Parse(get.Stdout)!;
        ((int?)printed["spec"]?["replicas"]).Should().Be(2, get.Stdout);
        ((string?)printed["metadata"]?["managedFields"]?[0]?["manager"]).Should().Be("deploy-sdk", get.Stdout);
        conflicting.ExitCode.Should().NotBe(0);
        conflicting.Output.Should().Contain("conflict").And.Contain("deploy-sdk").And.Contain(".data.level");
    }

    [Fact]
    public async Task Our_apply_over_fields_kubectl_applied_with_other_values_reports_the_conflict_naming_kubectl()
    {
        var file = cluster.Temp.WriteFile("app.yaml", Manifests);
        (await KubectlAsync("apply", "--server-side", "-f", file)).ExitCode.Should().Be(0);

        var act = () => new ServerSideApplier(cluster.Connection).ApplyAsync(ManifestSet.Parse(Manifests.Replace("replicas: 2", "replicas: 5", StringComparison.Ordinal)));

        var e = (await act.Should().ThrowAsync<ApplyConflictException>()).Which;
        e.Conflicts.Should().Equal(new ApplyConflict(new ObjectRef("apps/v1", "Deployment", "shop", "web"), ".spec.replicas", "kubectl"));
    }

    [Fact]
    public async Task Kubectl_apply_server_side_dry_run_changes_nothing()
    {
        var file = cluster.Temp.WriteFile("app.yaml", Manifests);
        var before = cluster.Server.Store.ResourceVersion;

        var dry = await KubectlAsync("apply", "--server-side", "--dry-run=server", "-f", file);

        dry.ExitCode.Should().Be(0, dry.Output);
        dry.Output.Should().Contain("serverside-applied (server dry run)");
        cluster.Server.Store.ResourceVersion.Should().Be(before);
    }

    private async Task<(int ExitCode, string Output, string Stdout)> KubectlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        // Client-side schema validation needs the OpenAPI documents, which the fake does not serve: not what these tests prove.
        var validate = args[0] == "apply" ? new[] { "--validate=false" } : [];
        foreach (var a in new[] { "--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.Temp.Combine("kube-cache") }.Concat(args).Concat(validate))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = cluster.Temp.Path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr, await stdout);
    }
}
