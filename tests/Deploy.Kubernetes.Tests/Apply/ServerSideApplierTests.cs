using Deploy.Core.Errors;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Tests.Fake;
using k8s;

namespace Deploy.Kubernetes.Tests.Apply;

[Trait("Category", "Integration")]
public sealed class ServerSideApplierTests : IAsyncLifetime
{
    private const string App = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: "web:1.0"}]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings, namespace: shop}
        data: {level: info}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: extra, namespace: shop, labels: {release: shop}}
        data: {a: "1"}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        """;

    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    private ServerSideApplier Applier() => new(cluster.Connection);

    [Fact]
    public async Task Apply_creates_every_object_in_kind_order_and_a_second_apply_changes_nothing()
    {
        var first = await Applier().ApplyAsync(ManifestSet.Parse(App));
        var version = cluster.Server.Store.ResourceVersion;
        var second = await Applier().ApplyAsync(ManifestSet.Parse(App));

        first.Objects.Select(o => (o.Ref.ToString(), o.Action)).Should().Equal(
            ("Namespace/shop", ApplyAction.Created), ("ConfigMap/shop/settings", ApplyAction.Created),
            ("ConfigMap/shop/extra", ApplyAction.Created), ("Deployment/shop/web", ApplyAction.Created));
        second.Objects.Should().OnlyContain(o => o.Action == ApplyAction.Unchanged);
        cluster.Server.Store.ResourceVersion.Should().Be(version);
        var cm = await cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "shop");
        cm.Metadata.ManagedFields.Should().ContainSingle().Which.Manager.Should().Be("deploy-sdk");
    }

    [Fact]
    public async Task Concurrent_requests_keep_the_rank_order_and_give_results_and_conflicts_in_manifest_order()
    {
        // 40 ConfigMaps and 10 Deployments in a namespace the same set creates; 16 requests in flight (the default).
        var manifest = string.Concat(Enumerable.Range(0, 40).Select(i => $"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: many}}\ndata: {{k: v{i}}}\n---\n"))
            + string.Concat(Enumerable.Range(0, 10).Select(i => $"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: many}}\nspec: {{selector: {{matchLabels: {{app: d{i}}}}}, template: {{metadata: {{labels: {{app: d{i}}}}}, spec: {{containers: [{{name: a, image: x}}]}}}}}}\n---\n"))
            + "apiVersion: v1\nkind: Namespace\nmetadata: {name: many}\n";
        var objects = ManifestSet.Parse(manifest);

        var result = await Applier().ApplyAsync(objects);

        result.Objects.Select(o => o.Ref.ToString()).Should().Equal(KindOrder.ForApply(objects).Select(o => o.Ref.ToString()));
        List<string> applies;
        lock (cluster.Server.Handler.Requests)
        {
            applies = cluster.Server.Handler.Requests.Where(r => r.StartsWith("PATCH", StringComparison.Ordinal) && !r.Contains("dryRun", StringComparison.Ordinal)).ToList();
        }

        var lastConfigMap = applies.FindLastIndex(r => r.Contains("/configmaps/", StringComparison.Ordinal));
        applies.FindIndex(r => r.Contains("/namespaces/many?", StringComparison.Ordinal)).Should().Be(0, "the namespace's rank is applied before anything in it");
        applies.FindIndex(r => r.Contains("/deployments/", StringComparison.Ordinal)).Should().BeGreaterThan(lastConfigMap, "workloads after every ConfigMap");

        // Two objects edited by another manager: both conflicts, in manifest order, however the dry runs complete.
        foreach (var name in new[] { "c31", "c7" })
        {
            var cm = await cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync(name, "many");
            cm.Data["k"] = "edited";
            await cluster.Connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, name, "many", fieldManager: "kubectl-edit");
        }

        var changed = ManifestSet.Parse(manifest.Replace("k: v", "k: w", StringComparison.Ordinal));
        var act = () => Applier().ApplyAsync(changed);

        var e = (await act.Should().ThrowAsync<ApplyConflictException>()).Which;
        e.Conflicts.Select(c => c.Object.Name).Should().Equal("c7", "c31");
    }

    [Fact]
    public async Task A_field_changed_by_kubectl_edit_is_a_conflict_per_object_and_field_and_nothing_is_changed()
    {
        await Applier().ApplyAsync(ManifestSet.Parse(App));
        var cm = await cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "shop");
        cm.Data["level"] = "debug";
        await cluster.Connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "settings", "shop", fieldManager: "kubectl-edit");
        var version = cluster.Server.Store.ResourceVersion;
        var next = App.Replace("level: info", "level: warn", StringComparison.Ordinal).Replace("a: \"1\"", "a: \"2\"", StringComparison.Ordinal);

        var act = () => Applier().ApplyAsync(ManifestSet.Parse(next));

        var e = (await act.Should().ThrowAsync<ApplyConflictException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ApplyConflict);
        e.Conflicts.Should().Equal(new ApplyConflict(new ObjectRef("v1", "ConfigMap", "shop", "settings"), ".data.level", "kubectl-edit"));
        e.Path.Should().Be(".data.level");
        e.Service.Should().Be("ConfigMap/shop/settings");
        cluster.Server.Store.ResourceVersion.Should().Be(version, "the dry run comes first: the other ConfigMap was not applied either");
    }

    [Fact]
    public async Task Force_takes_the_fields_kubectl_edit_owned()
    {
        await Applier().ApplyAsync(ManifestSet.Parse(App));
        var cm = await cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "shop");
        cm.Data["level"] = "debug";
        await cluster.Connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "settings", "shop", fieldManager: "kubectl-edit");

        await Applier().ApplyAsync(ManifestSet.Parse(App.Replace("level: info", "level: warn", StringComparison.Ordinal)), new ApplyOptions { Force = true });

        (await cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "shop")).Data["level"].Should().Be("warn");
    }

    [Fact]
    public async Task A_dry_run_only_reports_what_would_be_created_and_changes_nothing()
    {
        var version = cluster.Server.Store.ResourceVersion;

        var result = await Applier().ApplyAsync(ManifestSet.Parse(App), new ApplyOptions { DryRunOnly = true });

        result.DryRun.Should().BeTrue();
        result.Objects.Should().HaveCount(4).And.OnlyContain(o => o.Action == ApplyAction.Created);
        cluster.Server.Store.ResourceVersion.Should().Be(version);
    }

    [Fact]
    public async Task Prune_deletes_only_recorded_objects_the_new_set_lacks_never_another_release_with_the_same_labels()
    {
        var previous = await Applier().ApplyAsync(ManifestSet.Parse(App));
        await Applier().ApplyAsync(ManifestSet.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other-release, namespace: shop, labels: {release: shop}}
            """));
        var without = string.Join("---", App.Split("---").Where(d => !d.Contains("name: extra", StringComparison.Ordinal)));
        var current = await Applier().ApplyAsync(ManifestSet.Parse(without));

        var pruned = await Applier().PruneAsync(previous.Inventory, current.Inventory);

        pruned.Should().Equal(new ObjectRef("v1", "ConfigMap", "shop", "extra"));
        var left = await cluster.Connection.Client.CoreV1.ListNamespacedConfigMapAsync("shop");
        left.Items.Select(c => c.Metadata.Name).Should().BeEquivalentTo(["settings", "other-release"]);
        (await Applier().PruneAsync(previous.Inventory, current.Inventory)).Should().BeEmpty("what is already gone is skipped");
    }

    [Fact]
    public async Task A_CRD_and_its_custom_resource_apply_in_one_set_through_discovery()
    {
        var result = await Applier().ApplyAsync(ManifestSet.Parse("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w1, namespace: default}
            spec: {size: 3}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {kind: Widget, plural: widgets}
              versions: [{name: v1, served: true, storage: true}]
            """));

        result.Objects.Select(o => o.Ref.ToString()).Should().Equal("CustomResourceDefinition/widgets.example.com", "Widget/default/w1");
        var widget = cluster.Server.Store.Get(cluster.Server.Store.Resources.Single(r => r.Kind == "Widget"), "default", "w1");
        ((long?)widget!["spec"]!["size"]).Should().Be(3);
    }

    [Fact]
    public async Task A_kind_the_cluster_does_not_serve_is_ResourceUnknown_before_anything_changes()
    {
        var version = cluster.Server.Store.ResourceVersion;

        var act = () => Applier().ApplyAsync(ManifestSet.Parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ResourceUnknown);
        e.Path.Should().Be("example.com/v1/Gadget");
        cluster.Server.Store.ResourceVersion.Should().Be(version);
    }
}
