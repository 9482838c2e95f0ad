using System.Diagnostics;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Operations.Locking;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Tests.Fake;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>The lifecycle engine driving the Kubernetes backend on the fake API server (with its controller and
/// kubelet), checked through the API and with the real kubectl.</summary>
[Trait("Category", "Integration")]
public sealed class KubernetesLifecycleTests(ITestOutputHelper output) : ClusterTest(("node-1", "4", "8Gi"), ("node-2", "3500m", "4Gi"))
{
    private KubernetesBackend Backend() => new("shop", Cluster.Connection, new KubernetesBackendOptions { Namespace = "shop", ReadyTimeout = TimeSpan.FromSeconds(20), DeleteTimeout = TimeSpan.FromSeconds(5) });

    private IProgress<LifecycleProgress> Log() => new Sync<LifecycleProgress>(e => output.WriteLine($"{e.Kind}: {e.Message}"));

    private async Task<(KubernetesBackend Backend, LifecycleResult Result)> InstallAsync(ClusterProduct version, LifecycleRequest? request = null)
    {
        var backend = Backend();
        var product = await version.WriteAsync(Cluster.Temp.Path);
        var result = await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, product), request ?? new LifecycleRequest(LifecycleOperation.Install), Log());
        return (backend, result);
    }

    private Task<V1Deployment> ApiAsync() => Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("api", "shop");

    private Task<V1ConfigMap> ConfigAsync() => Cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("api-config", "shop");

    [Fact]
    public async Task Install_applies_manifests_and_configs_waits_until_ready_records_the_release_and_kubectl_agrees()
    {
        var (backend, result) = await InstallAsync(new ClusterProduct("1.0.0"));

        result.Plan.Steps.Select(s => $"{s.Service}@{s.Host}").Should().BeEquivalentTo("api@cluster", "db@cluster");
        var api = await ApiAsync();
        api.Metadata.Labels.Should().Contain("deploy-sdk.io/service", "api");
        api.Spec.Template.Metadata.Annotations.Should().ContainKey("deploy-sdk.io/config-hash");
        api.Status.ReadyReplicas.Should().Be(2);
        var config = (await ConfigAsync()).Data["app.conf"];
        config.Should().Contain("port=8080").And.MatchRegex("token=[A-Za-z0-9]{24}");
        var token = config.Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal));
        (await Cluster.Connection.Client.CoreV1.ReadNamespacedSecretAsync("shop.secrets", "shop")).Data.Should().ContainKey("api_token");
        (await new LifecycleEngine(backend).HistoryAsync()).Current!.Number.Should().Be(1);
        (await backend.Lock.ReadAsync()).Should().BeNull("the Lease is released after the run");
        (await backend.Journal.ReadAsync<LifecycleJournal>(LifecycleEngine.JournalKind)).Should().BeNull("a finished run leaves no journal");

        var get = await KubectlAsync("get", "deployment", "api", "-n", "shop", "-o", "json", "--show-managed-fields");
        get.ExitCode.Should().Be(0, get.Output);
        var printed = JsonNode.Parse(get.Stdout)!;
        ((string?)printed["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]).Should().Be("registry.local/api:1.0");
        ((string?)printed["metadata"]!["managedFields"]![0]!["manager"]).Should().Be("deploy-sdk");
        var rollout = await KubectlAsync("rollout", "status", "deployment/api", "-n", "shop", "--timeout=20s");
        rollout.ExitCode.Should().Be(0, rollout.Output);
        rollout.Output.Should().Contain("successfully rolled out");
        var cm = await KubectlAsync("get", "configmap", "api-config", "-n", "shop", "-o", "jsonpath={.data.app\\.conf}");
        cm.Stdout.Should().Contain(token);
    }

    [Fact]
    public async Task Upgrade_keeps_a_kubectl_edit_of_a_config_and_merges_the_new_template_lines()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var cm = await ConfigAsync();
        cm.Data["app.conf"] = cm.Data["app.conf"].Replace("log_level=info", "log_level=debug", StringComparison.Ordinal);
        await Cluster.Connection.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "api-config", "shop", fieldManager: "kubectl-edit");
        var hashBefore = (await ApiAsync()).Spec.Template.Metadata.Annotations["deploy-sdk.io/config-hash"];
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiConfigExtra = "threads=8\n", ApiImage = "registry.local/api:2.0" }.WriteAsync(Cluster.Temp.Path);

        var result = await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        result.Release.Number.Should().Be(2);
        var live = (await ConfigAsync()).Data["app.conf"];
        live.Should().Contain("log_level=debug", "the kubectl edit survives").And.Contain("threads=8", "the new template line is merged in");
        var api = await ApiAsync();
        api.Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:2.0");
        api.Spec.Template.Metadata.Annotations["deploy-sdk.io/config-hash"].Should().NotBe(hashBefore, "a changed config rolls the pods");
    }

    [Fact]
    public async Task Upgrade_over_a_field_another_manager_changed_is_refused_as_a_conflict_naming_the_manager_and_the_field()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var scale = new V1Patch("""{"spec":{"replicas":5}}""", V1Patch.PatchType.MergePatch);
        await Cluster.Connection.Client.AppsV1.PatchNamespacedDeploymentAsync(scale, "api", "shop", fieldManager: "kubectl-scale");
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:2.0" }.WriteAsync(Cluster.Temp.Path);

        var upgrade = async () => await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        var e = (await upgrade.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ApplyConflict);
        e.Message.Should().Contain("kubectl-scale").And.Contain(".spec.replicas");
        var api = await ApiAsync();
        api.Spec.Replicas.Should().Be(5, "nothing was applied over the other manager's field");
        api.Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:1.0");
    }

    [Fact]
    public async Task A_Deployment_that_never_becomes_ready_fails_at_its_progress_deadline_and_the_upgrade_rolls_back()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:broken", ApiAnnotations = $"{{{FakeController.ProgressDeadline}: 'true'}}" }.WriteAsync(Cluster.Temp.Path);

        var upgrade = async () => await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        var e = (await upgrade.Should().ThrowAsync<DeployException>()).Which;
        e.Message.Should().Contain("ProgressDeadlineExceeded");
        e.Service.Should().Be("api");
        var api = await ApiAsync();
        api.Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:1.0", "the upgrade was rolled back to the installed release");
        (await new LifecycleEngine(backend).HistoryAsync()).Current!.Version.Should().Be("1.0.0");
    }

    [Fact]
    public async Task Upgrade_prunes_an_object_the_new_release_no_longer_has_by_the_recorded_inventory()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var foreign = new V1Service { Metadata = new V1ObjectMeta { Name = "other", NamespaceProperty = "shop", Labels = new Dictionary<string, string> { ["deploy-sdk.io/product"] = "shop", ["deploy-sdk.io/service"] = "api" } }, Spec = new V1ServiceSpec() };
        await Cluster.Connection.Client.CoreV1.CreateNamespacedServiceAsync(foreign, "shop");
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { WithApiService = false }.WriteAsync(Cluster.Temp.Path);

        await new LifecycleEngine(backend).RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        var services = await Cluster.Connection.Client.CoreV1.ListNamespacedServiceAsync("shop");
        services.Items.Select(s => s.Metadata.Name).Should().Equal(["other"], "api's Service is pruned; an object with the same labels that no release recorded is not");
    }

    [Fact]
    public async Task Apptest_runs_the_test_hook_as_a_Job_with_its_log_and_exit_code_pass_and_fail()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var pass = await new LifecycleEngine(backend).AppTestAsync(ClusterProduct.Input(backend, await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path)), ["api"], progress: Log());
        var fail = await new LifecycleEngine(backend).AppTestAsync(ClusterProduct.Input(backend, await new ClusterProduct("1.0.1") { ApiTest = "echo connection refused >&2; exit 3" }.WriteAsync(Cluster.Temp.Path)), ["api"], progress: Log());

        pass.Results.Should().ContainSingle().Which.Succeeded.Should().BeTrue();
        pass.Results[0].Output.Should().Contain("api answers on port 8080");
        fail.Results.Should().ContainSingle().Which.ExitCode.Should().Be(3);
        fail.Results[0].Output.Should().Contain("connection refused");
        var jobs = await Cluster.Connection.Client.BatchV1.ListNamespacedJobAsync("shop");
        jobs.Items.Should().HaveCount(2).And.OnlyContain(j => j.Metadata.Labels["deploy-sdk.io/service"] == "api");
    }

    [Fact]
    public async Task Delete_removes_every_recorded_object_in_reverse_order_and_history_and_rollback_work()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:2.0" }.WriteAsync(Cluster.Temp.Path);
        var engine = new LifecycleEngine(backend);
        await engine.RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        await engine.RunAsync(ClusterProduct.Input(backend, v1), new LifecycleRequest(LifecycleOperation.Rollback) { Revision = 1 }, Log());
        (await ApiAsync()).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:1.0");
        (await engine.HistoryAsync()).Releases.Select(r => (r.Number, r.Version)).Should().Equal((1, "1.0.0"), (2, "2.0.0"), (3, "1.0.0"));

        await engine.RunAsync(ClusterProduct.Input(backend, v1), new LifecycleRequest(LifecycleOperation.Delete), Log());

        (await Cluster.Connection.Client.AppsV1.ListNamespacedDeploymentAsync("shop")).Items.Should().BeEmpty();
        (await Cluster.Connection.Client.AppsV1.ListNamespacedStatefulSetAsync("shop")).Items.Should().BeEmpty();
        (await Cluster.Connection.Client.CoreV1.ListNamespacedConfigMapAsync("shop")).Items.Should().BeEmpty("configs and inventories are gone");
        var deletes = Cluster.Server.Handler.Requests.Where(r => r.StartsWith("DELETE", StringComparison.Ordinal) && !r.Contains("/configmaps/", StringComparison.Ordinal) && !r.Contains("/secrets/", StringComparison.Ordinal)).ToList();
        deletes.FindIndex(r => r.Contains("/deployments/api", StringComparison.Ordinal)).Should().BeLessThan(deletes.FindIndex(r => r.Contains("/statefulsets/db", StringComparison.Ordinal)), "api depends on db: removed first");
    }

    [Fact]
    public async Task A_watch_dropped_while_the_install_waits_for_readiness_is_resumed_and_the_install_finishes()
    {
        await Controller.DisposeAsync();
        Controller = new FakeController(Cluster.Server.Store, readyDelay: TimeSpan.FromSeconds(2));
        int Watches() { lock (Cluster.Server.Handler.Requests) { return Cluster.Server.Handler.Requests.Count(r => r.Contains("/namespaces/shop/", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal)); } }

        var install = InstallAsync(new ClusterProduct("1.0.0"));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Watches() == 0)
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        var atDrop = Watches();
        Cluster.Server.Store.DropWatches();   // the API server closes every watch stream while db is not ready yet
        var (_, result) = await install;

        result.Release.Outcome.Should().Be(ReleaseOutcome.Succeeded);
        Watches().Should().BeGreaterThan(atDrop, "the wait watched again after its stream was closed");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "shop")).Status.ReadyReplicas.Should().Be(1);
        (await ApiAsync()).Status.ReadyReplicas.Should().Be(2);
    }

    [Fact]
    public async Task Rollback_restores_the_previous_releases_ConfigMaps_and_workloads_and_recreates_a_pruned_object()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var engine = new LifecycleEngine(backend);
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        var v2 = await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:2.0", Replicas = 3, ApiConfigExtra = "threads=8\n", WithApiService = false, DbImage = "registry.local/mariadb:11.4" }.WriteAsync(Cluster.Temp.Path);
        var configBefore = (await ConfigAsync()).Data["app.conf"];
        await engine.RunAsync(ClusterProduct.Input(backend, v2, v1), new LifecycleRequest(LifecycleOperation.Upgrade), Log());
        (await ConfigAsync()).Data["app.conf"].Should().Contain("threads=8");
        (await Cluster.Connection.Client.CoreV1.ListNamespacedServiceAsync("shop")).Items.Should().BeEmpty();

        var result = await engine.RunAsync(ClusterProduct.Input(backend, v1), new LifecycleRequest(LifecycleOperation.Rollback) { Revision = 1 }, Log());

        result.Release.Outcome.Should().Be(ReleaseOutcome.Succeeded);
        (await ConfigAsync()).Data["app.conf"].Should().Be(configBefore, "the config is the first release's again (same generated token)");
        var api = await ApiAsync();
        api.Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:1.0");
        api.Spec.Replicas.Should().Be(2);
        api.Status.ReadyReplicas.Should().Be(2);
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "shop")).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/mariadb:10.11");
        (await Cluster.Connection.Client.CoreV1.ListNamespacedServiceAsync("shop")).Items.Select(s => s.Metadata.Name).Should().Equal("api");
        (await engine.HistoryAsync()).Releases.Select(r => (r.Operation, r.Version)).Should().Equal(
            (LifecycleOperation.Install, "1.0.0"), (LifecycleOperation.Upgrade, "2.0.0"), (LifecycleOperation.Rollback, "1.0.0"));
    }

    [Fact]
    public async Task A_run_while_another_holds_the_Lease_is_refused_naming_the_holder_and_changes_nothing()
    {
        var other = new LockHolder("ctl-elsewhere", 77, "ops", "upgrade shop", DateTimeOffset.UtcNow, "abc123def456");
        await using var held = await Backend().Lock.AcquireAsync(other);

        var install = async () => await InstallAsync(new ClusterProduct("1.0.0"));

        var e = (await install.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LockHeld);
        e.Message.Should().Contain("ctl-elsewhere").And.Contain("abc123def456");
        (await Cluster.Connection.Client.AppsV1.ListNamespacedDeploymentAsync("shop")).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Middleware_reset_scales_the_StatefulSet_down_deletes_its_claims_reruns_the_init_Job_and_scales_back_only_when_confirmed()
    {
        var (backend, _) = await InstallAsync(new ClusterProduct("1.0.0"));
        var claim = new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "data-db-0", NamespaceProperty = "shop" }, Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"] } };
        await Cluster.Connection.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(claim, "shop");   // as the StatefulSet controller makes it
        var input = ClusterProduct.Input(backend, await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path));
        var engine = new LifecycleEngine(backend);

        var unconfirmed = async () => await engine.ResetAsync(input, confirm: null, progress: Log());
        (await unconfirmed.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.InvalidArgument);
        (await Cluster.Connection.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("shop")).Items.Should().ContainSingle("nothing is wiped without the confirmation");

        var plan = await engine.ResetAsync(input, confirm: "shop", services: ["db"], progress: Log());

        plan.Steps.Select(s => s.Service).Should().Equal("db");
        (await Cluster.Connection.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("shop")).Items.Should().BeEmpty();
        var scales = Cluster.Server.Handler.Requests.Where(r => r.StartsWith("PATCH /apis/apps/v1/namespaces/shop/statefulsets/db?fieldManager", StringComparison.Ordinal) && !r.Contains("force=", StringComparison.Ordinal)).ToList();
        scales.Should().HaveCount(2, "scaled to zero, then back");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "shop")).Spec.Replicas.Should().Be(1);
        var job = (await Cluster.Connection.Client.BatchV1.ListNamespacedJobAsync("shop")).Items.Should().ContainSingle().Which;
        job.Metadata.Labels["deploy-sdk.io/service"].Should().Be("db");
        job.Status.Succeeded.Should().Be(1, "the init Job ran again");
    }

    [Fact]
    public async Task Precheck_facts_of_the_cluster_are_the_sums_of_its_Ready_nodes()
    {
        var facts = await Backend().CollectFactsAsync("cluster", [], []);

        facts.Reachable.Should().BeTrue();
        facts.CpuCount.Should().Be(7);
        facts.MemoryTotalBytes.Should().Be(12L << 30);
        facts.OsRelease!.PrettyName.Should().Be("Debian GNU/Linux 12 (bookworm)");
    }

    private async Task<(int ExitCode, string Output, string Stdout)> KubectlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--kubeconfig", Cluster.KubeconfigPath, "--cache-dir", Cluster.Temp.Combine("kube-cache") }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = Cluster.Temp.Path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr, await stdout);
    }

    private sealed class Sync<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
