using System.Diagnostics;
using System.Globalization;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;
using Deploy.Testing;
using Deploy.Testing.Kubernetes;
using k8s;

namespace Deploy.Benchmarks;

/// <summary>
/// `kubernetes`, on the in-process fake API server (tests/Deploy.Testing/Kubernetes): (1) server-side apply of 200
/// objects (ConfigMaps, Services and Deployments, one file) into a fresh namespace per run: our
/// <c>ServerSideApplier</c> (discovery cached, dry run of all, then apply; its default 16 requests in flight, and
/// one at a time to show what the concurrency buys) vs <c>kubectl apply --server-side -f</c>
/// (<c>--validate=false</c>: the fake serves no OpenAPI schema, and we validate nothing client-side either) on
/// the same fake, interleaved; (2) readiness latency: the fake controller marks a Deployment ready 1.5 s after it
/// changes; the time from that status write (seen by an in-process watch on the store) to our watch-based
/// <c>ReadinessWaiter</c> returning, vs a loop that GETs the object every second. <c>DEPLOY_BENCH_K8S_RUNS</c> sets
/// the rounds (default 5).
/// </summary>
public static class KubernetesBenchmarks
{
    public static async Task RunAsync(Harness harness)
    {
        using var temp = new TempDirectory("bench-k8s");
        await using var server = await FakeApiServer.StartAsync();
        var kubeconfig = await server.WriteKubeconfigAsync(temp.Path);
        using var connection = await KubernetesConnection.ConnectAsync(KubernetesTarget.FromKubeconfig(kubeconfig));
        var runs = int.TryParse(Environment.GetEnvironmentVariable("DEPLOY_BENCH_K8S_RUNS"), out var r) ? r : 5;
        await using var local = new LocalHost();
        var round = 0;
        string Manifest(string ns)
        {
            var sb = new StringBuilder();
            for (var i = 0; i < 200; i++)
            {
                sb.Append((i % 3) switch
                {
                    0 => FormattableString.Invariant($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: {ns}}}\ndata: {{app.conf: \"port={8000 + i}\\nlog_level=info\\n\"}}\n---\n"),
                    1 => FormattableString.Invariant($"apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: {ns}}}\nspec: {{selector: {{app: a{i}}}, ports: [{{port: {8000 + i}}}]}}\n---\n"),
                    _ => FormattableString.Invariant($"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}, namespace: {ns}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: a{i}}}}}\n  template:\n    metadata: {{labels: {{app: a{i}}}}}\n    spec: {{containers: [{{name: app, image: \"registry.local/a:{i}\"}}]}}\n---\n"),
                });
            }

            return sb.ToString();
        }

        var applier = new ServerSideApplier(connection);
        await harness.MeasureInterleavedAsync("kubernetes", "server-side apply of 200 objects",
        [
            ("ServerSideApplier", async () =>
            {
                var objects = ManifestSet.Parse(Manifest($"ours-{round++}"));
                await applier.ApplyAsync(objects, new ApplyOptions());
            }, null),
            ("ServerSideApplier, one request at a time", async () =>
            {
                var objects = ManifestSet.Parse(Manifest($"ours-seq-{round++}"));
                await applier.ApplyAsync(objects, new ApplyOptions { MaxConcurrency = 1 });
            }, null),
            ("kubectl apply --server-side", async () =>
            {
                var file = temp.Combine("objects.yaml");
                await File.WriteAllTextAsync(file, Manifest($"kubectl-{round++}"));
                (await local.RunAsync(CommandSpec.Of("kubectl", "--kubeconfig", kubeconfig, "--cache-dir", temp.Combine("kube-cache"), "apply", "--server-side", "--validate=false", "-f", file))).ThrowOnFailure();
            }, null),
        ], runs: runs);

        // Readiness: ready 1.5 s after the change; latency = waiter returned - status written.
        await using var controller = new FakeController(server.Store, readyDelay: TimeSpan.FromMilliseconds(1500));
        var deployments = server.Store.Resources.Single(x => x.Kind == "Deployment");
        async Task<double> LatencyAsync(Func<ObjectRef, Task> wait)
        {
            var name = $"web-{round++}";
            var (_, live, stop) = server.Store.Watch(deployments, "bench", null);
            try
            {
                await applier.ApplyAsync(ManifestSet.Parse($"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: bench}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: app, image: x}}]}}\n"), new ApplyOptions());
                var ready = Task.Run(async () =>
                {
                    await foreach (var e in live.ReadAllAsync())
                    {
                        if (e.Resource == deployments && (string?)e.Object["metadata"]?["name"] == name && e.Object["status"]?["readyReplicas"] is not null)
                        {
                            return Stopwatch.GetTimestamp();
                        }
                    }

                    return 0L;
                });
                await wait(new ObjectRef("apps/v1", "Deployment", "bench", name));
                var returned = Stopwatch.GetTimestamp();
                return Stopwatch.GetElapsedTime(await ready, returned).TotalMilliseconds;
            }
            finally
            {
                stop();
            }
        }

        var waiter = new ReadinessWaiter(connection);
        var watched = new List<double>();
        var polled = new List<double>();
        for (var i = 0; i < runs + 1; i++)
        {
            var w = await LatencyAsync(o => waiter.WaitAsync([o], new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) }));
            var p = await LatencyAsync(async o =>
            {
                while (true)
                {
                    var d = await connection.Client.AppsV1.ReadNamespacedDeploymentAsync(o.Name, o.Namespace);   // kubectl-style poll
                    if (d.Status?.ReadyReplicas == 1 && d.Status.ObservedGeneration == d.Metadata.Generation)
                    {
                        return;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            });
            if (i > 0)
            {
                watched.Add(w);
                polled.Add(p);
            }
        }

        foreach (var (subject, times) in new[] { ("ReadinessWaiter (watch)", watched), ("GET every 1 s", polled) })
        {
            var sorted = times.Order().ToArray();
            var m = new Measurement("kubernetes", "readiness latency (ready -> wait returns)", subject, sorted[sorted.Length / 2], [.. times], "interleaved runs; latency, not duration");
            harness.Record(m);
            Console.WriteLine($"  kubernetes/readiness latency/{subject}: median {m.MedianMs:0.0} ms  [{string.Join(", ", times.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)))}]");
        }
    }
}
