using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Deploy.Kubernetes.Tests.Fake;
using k8s;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>samples/PrivateDeploy on a cluster: the sample `deploy` CLI (child process, <c>--kubeconfig</c>, the
/// sample's values-kubernetes.yaml) drives the whole lifecycle on the fake API server, and the real kubectl edits.</summary>
[Trait("Category", "Integration")]
public sealed partial class PrivateDeployClusterTests(ITestOutputHelper output) : ClusterTest(("node-a", "8", "16Gi"), ("node-b", "8", "16Gi"))
{
    private static readonly string[] Apps = ["gateway", "auth", "orders", "billing", "portal"];
    [Fact]
    public async Task Sample_installs_keeps_a_kubectl_edit_through_an_upgrade_passes_apptest_lists_history_rolls_back_and_schedule_apply_pins_pods_to_nodes()
    {
        var v1 = Copy("1.0.0");
        var v2 = Copy("1.1.0");
        var auth2 = Path.Combine(v2, "auth", "service.yaml");
        await File.WriteAllTextAsync(auth2, (await File.ReadAllTextAsync(auth2)).Replace("version: 1.0.0", "version: 1.1.0", StringComparison.Ordinal));

        // The sample's needs (os_release, disk paths, commands on PATH) are its hosts' needs: a cluster's facts are
        // its nodes' CPU and memory, so the host precheck is skipped here.
        // --nodes: the package's images/ would be loaded onto each node; the dry run lists them and contacts no node.
        Directory.CreateDirectory(Path.Combine(v1, "images"));
        await Images.TestImageArchive.WriteAsync(Path.Combine(v1, "images", "gateway.tar"), "registry.local/private-deploy/gateway:1.0.0");
        var nodes = Cluster.Temp.Combine("nodes.yaml");
        await File.WriteAllTextAsync(nodes, "hosts:\n  node-a: { address: 127.0.0.1, port: 1, vars: { container_runtime: containerd } }\n  node-b: { address: 127.0.0.1, port: 1, vars: { container_runtime: containerd } }\n");
        var dryRun = await DeployAsync("install", "-f", v1, "--nodes", nodes, "--dry-run");
        dryRun.ExitCode.Should().Be(0, dryRun.Output);
        dryRun.Output.Should().Contain("images: would load registry.local/private-deploy/gateway:1.0.0 (gateway.tar) onto node node-a (containerd)")
            .And.Contain("onto node node-b (containerd)");
        Directory.Delete(Path.Combine(v1, "images"), recursive: true);

        var install = await DeployAsync("install", "-f", v1, "--skip-precheck");
        install.ExitCode.Should().Be(0, install.Output);
        foreach (var app in Apps)
        {
            var d = await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync(app, "default");
            d.Status.ReadyReplicas.Should().Be(2, app);
            d.Spec.Template.Spec.Containers[0].Image.Should().Be($"registry.local/private-deploy/{app}:1.0.0");
        }

        foreach (var middleware in new[] { "redis", "mariadb" })
        {
            (await Cluster.Connection.Client.AppsV1.ReadNamespacedStatefulSetAsync(middleware, "default")).Status.ReadyReplicas.Should().Be(1, middleware);
        }

        var conf = await AuthConfigAsync();
        conf.Should().Contain("bind=0.0.0.0").And.Contain("mariadb=mariadb:13306").And.Contain("log_level=debug").And.MatchRegex("db_password=.+");
        var gatewayGeneration = (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("gateway", "default")).Metadata.Generation;

        // An operator's `kubectl edit` of the rendered config (KUBE_EDITOR is a sed script).
        var editor = Cluster.Temp.Combine("editor.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/log_level=debug/log_level=warn/' \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // --validate=false: kubectl validates edits against the server's OpenAPI schema, which the fake does not serve.
        var edit = await ClusterTools.KubectlAsync(Cluster, editor, "edit", "configmap", "auth-config", "-n", "default", "--validate=false");
        edit.ExitCode.Should().Be(0, edit.Output);
        (await AuthConfigAsync()).Should().Contain("log_level=warn");

        var upgrade = await DeployAsync("upgrade", "-f", v2);
        upgrade.ExitCode.Should().Be(0, upgrade.Output);
        upgrade.Stdout.Should().Contain("upgrade private-deploy-sample 1.1.0 succeeded");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("auth", "default")).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/private-deploy/auth:1.1.0");
        (await AuthConfigAsync()).Should().Contain("version=1.1.0").And.Contain("log_level=warn", "the kubectl edit survives the three-way merge");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("gateway", "default")).Metadata.Generation.Should().Be(gatewayGeneration, "an unchanged service is not re-applied");

        var reports = Cluster.Temp.Combine("apptest");
        var apptest = await DeployAsync("apptest", "-f", v2, "--out-dir", reports);
        apptest.ExitCode.Should().Be(0, apptest.Output);
        var junit = XDocument.Load(Path.Combine(reports, "apptest-junit.xml"));
        junit.Descendants("testcase").Should().HaveCount(7);
        junit.Descendants("failure").Should().BeEmpty();

        var history = await DeployAsync("history", "-f", v2);
        history.ExitCode.Should().Be(0, history.Output);
        ReleaseLine().Matches(history.Stdout).Select(m => m.Groups["version"].Value).Should().Contain(["1.0.0", "1.1.0"]);

        var rollback = await DeployAsync("rollback", "1", "-f", v1);
        rollback.ExitCode.Should().Be(0, rollback.Output);
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("auth", "default")).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/private-deploy/auth:1.0.0");
        (await AuthConfigAsync()).Should().Contain("version=1.0.0");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("auth", "default")).Status.ReadyReplicas.Should().Be(2);

        // scheduled.yaml on the cluster (its hosts are node names): the dry run lists the label changes and changes
        // nothing; the apply pins auth's pods to node-b and gateway's to node-a.
        var scheduled = Cluster.Temp.Combine("scheduled.yaml");
        await File.WriteAllTextAsync(scheduled, "product: private-deploy-sample\nservices:\n  auth: [node-b]\n  gateway: [node-a]\n");
        var plan = await DeployAsync("schedule", "apply", "-c", scheduled, "-f", v1, "--dry-run", "--output", "json");
        plan.ExitCode.Should().Be(0, plan.Output);
        var planned = JsonNode.Parse(plan.Stdout)!;
        ((bool)planned["dryRun"]!).Should().BeTrue();
        var planAuth = planned["services"]!.AsArray().Single(s => (string?)s!["service"] == "auth")!;
        planAuth["labelled"]!.AsArray().Select(n => (string?)n).Should().Equal("node-b");
        planAuth["workloads"]!.AsArray().Select(n => (string?)n).Should().ContainSingle(w => w!.Contains("Deployment", StringComparison.Ordinal) && w.Contains("auth", StringComparison.Ordinal));
        (await Cluster.Connection.Client.CoreV1.ListNodeAsync(labelSelector: "deploy-sdk.io/auth=true")).Items.Should().BeEmpty("a dry run changes nothing");

        var schedule = await DeployAsync("schedule", "apply", "-c", scheduled, "-f", v1);
        schedule.ExitCode.Should().Be(0, schedule.Output);
        schedule.Stdout.Should().Contain("auth: on node-b; labelled node-b");
        (await PodNodesAsync("auth")).Should().HaveCount(2).And.OnlyContain(n => n == "node-b");
        (await PodNodesAsync("gateway")).Should().HaveCount(2).And.OnlyContain(n => n == "node-a");

        var unknown = await File.ReadAllTextAsync(scheduled);
        await File.WriteAllTextAsync(scheduled, unknown.Replace("[node-a]", "[node-z]", StringComparison.Ordinal));
        var refused = await DeployAsync("schedule", "apply", "-c", scheduled, "-f", v1);
        refused.ExitCode.Should().NotBe(0);
        refused.Output.Should().Contain("node-z");
    }

    private async Task<List<string>> PodNodesAsync(string app) =>
        (await Cluster.Connection.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=" + app)).Items
            .Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Spec.NodeName).ToList();

    [GeneratedRegex(@"(?<version>\d+\.\d+\.\d+)")]
    private static partial Regex ReleaseLine();

    private async Task<string> AuthConfigAsync() => (await Cluster.Connection.Client.CoreV1.ReadNamespacedConfigMapAsync("auth-config", "default")).Data["app.conf"];

    private async Task<(int ExitCode, string Output, string Stdout)> DeployAsync(params string[] args)
    {
        var result = await ClusterTools.DeployAsync(Cluster, [.. args, "--kubeconfig", Cluster.KubeconfigPath, "--values", Sample("values-kubernetes.yaml")]);
        output.WriteLine($"$ deploy {string.Join(' ', args)}\n{result.Output}");
        return result;
    }

    /// <summary>The sample product copied to a version folder (product.yaml's version set).</summary>
    private string Copy(string version)
    {
        var to = Cluster.Temp.Combine("private-deploy-" + version);
        var from = Sample("product");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var product = Path.Combine(to, "product.yaml");
        File.WriteAllText(product, File.ReadAllText(product).Replace("version: 1.0.0", "version: " + version, StringComparison.Ordinal));
        return to;
    }

    private static string Sample(string part)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!Directory.Exists(Path.Combine(dir!.FullName, "samples", "PrivateDeploy")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir.FullName, "samples", "PrivateDeploy", part);
    }
}
