using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Testing;
using Deploy.Testing.Hosts;

namespace Deploy.Benchmarks;

/// <summary>
/// Suite <c>lifecycle</c> (issue 12), on isolated namespace hosts (sshd per mount+PID namespace on 127.0.0.N):
/// install of the PrivateDeploy sample (5 apps, redis, mariadb) on 3 hosts with <c>Parallel = 3</c> vs sequential,
/// interleaved (each run starts from a deleted product); an upgrade of one app service vs a fresh install of the
/// whole product; and precheck of 1, 20 and 50 hosts (the product's one service scheduled on every host).
/// </summary>
public static class LifecycleBenchmarks
{
    private const string Suite = "lifecycle";

    public static async Task RunAsync(Harness harness)
    {
        // DEPLOY_BENCH_LIFECYCLE_CASES=install,precheck picks cases; DEPLOY_BENCH_PRECHECK_HOSTS=1,20 the precheck's host counts.
        var cases = (Environment.GetEnvironmentVariable("DEPLOY_BENCH_LIFECYCLE_CASES") ?? "install,precheck").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (cases.Contains("install"))
        {
            await InstallAsync(harness);
        }

        if (cases.Contains("precheck"))
        {
            var counts = (Environment.GetEnvironmentVariable("DEPLOY_BENCH_PRECHECK_HOSTS") ?? "1,20,50").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
            await PrecheckAsync(harness, counts);
        }
    }

    private static async Task InstallAsync(Harness harness)
    {
        await using var hosts = await IsolatedHosts.StartAsync(IsolatedHostSpec.ThreeDistributions);
        Console.WriteLine($"lifecycle: {hosts.Summary}");
        using var work = new TempDirectory("bench-lifecycle");
        var sample = Sample();
        var v1Dir = Path.Combine(work.Path, "v1");
        var v2Dir = Path.Combine(work.Path, "v2");
        Copy(sample, v1Dir);
        Copy(sample, v2Dir);
        var conf = Path.Combine(v2Dir, "orders", "templates", "app.conf");
        await File.AppendAllTextAsync(conf, "# changed in 1.0.1\n");
        await File.WriteAllTextAsync(Path.Combine(v2Dir, "orders", "service.yaml"), (await File.ReadAllTextAsync(Path.Combine(v2Dir, "orders", "service.yaml"))).Replace("version: 1.0.0", "version: 1.0.1", StringComparison.Ordinal));
        var v1 = await ProductLoader.LoadAsync(v1Dir);
        var v2 = await ProductLoader.LoadAsync(v2Dir);
        var inventory = HostInventory.Parse(hosts.InventoryYaml()
            .Replace("labels: { os: centos }", "labels: { os: centos, role: app }", StringComparison.Ordinal)
            .Replace("labels: { os: bclinux }", "labels: { os: bclinux, role: app }", StringComparison.Ordinal)
            .Replace("labels: { os: debian }", "labels: { os: debian, role: data }", StringComparison.Ordinal), "inventory");
        var values = await SiteValues.LoadAsync(Path.Combine(sample, "..", "values.yaml"));
        var input1 = new LifecycleInput(v1, Scheduler.CreateDefault(v1, inventory)) { SiteValues = values };
        var input2 = new LifecycleInput(v2, Scheduler.CreateDefault(v2, inventory)) { SiteValues = values, Previous = v1 };
        var opened = new List<IHost>();
        var backend = new HostsBackend(v1.Name, hosts.Hosts.ToDictionary(h => h.Name, h =>
        {
            var host = h.CreateHost();
            opened.Add(host);
            return ((IHost)host, new RenderHost(h.Name, h.Address));
        }));
        var engine = new LifecycleEngine(backend);
        try
        {
            async Task Delete()
            {
                try
                {
                    await engine.RunAsync(input1, new LifecycleRequest(LifecycleOperation.Delete));
                }
                catch (Deploy.Core.Errors.DeployException)
                {
                    // 1.0.1 installed: delete with its own package.
                    await engine.RunAsync(input2, new LifecycleRequest(LifecycleOperation.Delete));
                }
            }

            // With DEPLOY_BENCH_VERBOSE=1 each run is traced from the engine's progress events; the last of each subject is printed.
            var traces = new Dictionary<string, LifecycleTrace>(StringComparer.Ordinal);
            Task<LifecycleResult> Traced(string subject, LifecycleInput input, LifecycleRequest request)
            {
                var trace = LifecycleTrace.Start();
                if (trace is not null)
                {
                    traces[subject] = trace;
                }

                return engine.RunAsync(input, request, trace);
            }

            // Machine CPU (every process: the tool, the hosts' sshd, shells and services) per install, from /proc/stat:
            // all three hosts share this VM's cores, so how busy they were bounds what parallelism can gain here.
            var cpu = new Dictionary<int, List<(double Cpu, double Tool, double Wall, long Forks)>>();
            var sequentialSteps = new List<(ParallelBound Steps, double WallMs)>();
            async Task Install(int parallel)
            {
                var (cpu0, tool0, wall0, forks0) = (MachineCpu.Seconds(), MachineCpu.ThisProcess(), System.Diagnostics.Stopwatch.GetTimestamp(), MachineCpu.Forks());
                var subject = parallel > 1 ? "install --parallel" : "install sequential";
                var trace = LifecycleTrace.Start();
                if (trace is not null)
                {
                    traces[subject] = trace;
                }

                // Every run records its steps' spans: a sequential run's give the dependency bound below.
                var steps = new ParallelBound(trace);
                await engine.RunAsync(input1, new LifecycleRequest(LifecycleOperation.Install) { Parallel = parallel }, steps);
                var wall = System.Diagnostics.Stopwatch.GetElapsedTime(wall0).TotalSeconds;
                (cpu.TryGetValue(parallel, out var l) ? l : cpu[parallel] = []).Add((MachineCpu.Seconds() - cpu0, MachineCpu.ThisProcess() - tool0, wall, MachineCpu.Forks() - forks0));
                if (parallel == 1)
                {
                    sequentialSteps.Add((steps, wall * 1000));
                }
            }

            Console.WriteLine("lifecycle: install of the sample product (7 services) on 3 hosts");
            var install = await harness.MeasureInterleavedAsync(Suite, "install sample product, 3 hosts", [
                ("Deploy SDK --parallel 3", () => Install(3), null),
                ("Deploy SDK sequential", () => Install(1), null),
            ], setup: Delete, runs: 3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  parallel/sequential: {install[0].MedianMs / install[1].MedianMs:0.00}x"));
            // The first run of each subject warms up (JIT): the bounds use the measured runs only.
            var bounds = sequentialSteps.Skip(1).Select(r => r.Steps.DependencyBound(v1, r.WallMs)).OrderBy(b => b.Bound).ToList();
            var parallelCpu = cpu[3].Skip(1).Select(r => r.Cpu).Order().ToList();
            Console.WriteLine(ParallelBound.Describe(install[0].MedianMs / install[1].MedianMs, bounds[bounds.Count / 2], parallelCpu[parallelCpu.Count / 2], install[1].MedianMs));
            foreach (var (parallel, runs) in cpu.OrderByDescending(c => c.Key))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  machine CPU, install {(parallel > 1 ? "--parallel " + parallel : "sequential")}: {string.Join(", ", runs.Select(r => $"{r.Cpu:0.00} core-s ({r.Tool:0.00} in this process) in {r.Wall:0.00} s ({r.Cpu / r.Wall:0.00} of {Environment.ProcessorCount} cores busy; {r.Forks} processes and threads created)"))}"));
            }

            foreach (var (subject, trace) in traces)
            {
                trace.Print(subject + ", last run");
            }

            traces.Clear();

            // The upgrade needs 1.0.0 installed before each run, the fresh install nothing: two measurements, and the
            // ratio against the parallel install above (same run, same hosts, the same --parallel 3).
            Console.WriteLine("lifecycle: upgrade of one app service (orders 1.0.0 -> 1.0.1)");
            long bytes = 0;
            var upgrade = await harness.MeasureAsync(Suite, "upgrade one service", "Deploy SDK upgrade orders", async () =>
            {
                var result = await Traced("upgrade", input2, new LifecycleRequest(LifecycleOperation.Upgrade) { Parallel = 3 });
                bytes = result.BytesByService.Values.Sum();
            }, setup: async () =>
            {
                await Delete();
                await Install(3);
            }, runs: 3, warmUp: false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  upgrade/fresh install: {upgrade.MedianMs / install[0].MedianMs:0.00}x"));
            // Bytes: what the upgrade sent (all services) against the changed service's size (its folder, as placed on each of its hosts).
            var ordersHosts = input2.Schedule.Services.Single(s => s.Service == "orders").Hosts.Count;
            var ordersSize = Directory.EnumerateFiles(Path.Combine(v2Dir, "orders"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) * ordersHosts;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  upgrade bytes sent: {bytes} vs the changed service's size on its {ordersHosts} host(s) {ordersSize}: {(double)bytes / ordersSize:0.00}x"));
            if (traces.TryGetValue("upgrade", out var upgradeTrace))
            {
                upgradeTrace.Print("upgrade, last run");
            }
            await Delete();
        }
        finally
        {
            await backend.DisposeAsync();
            foreach (var h in opened)
            {
                await h.DisposeAsync();
            }
        }
    }

    private static async Task PrecheckAsync(Harness harness, IReadOnlyList<int> counts)
    {
        var specs = Enumerable.Range(1, counts.Max()).Select(i => new IsolatedHostSpec("h" + i.ToString("00", CultureInfo.InvariantCulture))).ToList();
        await using var hosts = await IsolatedHosts.StartAsync(specs);
        Console.WriteLine($"lifecycle: {hosts.Summary}");
        using var work = new TempDirectory("bench-precheck");
        await File.WriteAllTextAsync(Path.Combine(work.Path, "product.yaml"), "name: bench-precheck\nversion: 1.0.0\nosRelease: debian\n");
        Directory.CreateDirectory(Path.Combine(work.Path, "app"));
        await File.WriteAllTextAsync(Path.Combine(work.Path, "app", "service.yaml"), "kind: app\nversion: 1.0.0\nneeds: { cpu: 0.1, memory: 16Mi, disk: { /opt: 1Mi }, ports: [18999], commands: [sh] }\n");
        var product = await ProductLoader.LoadAsync(work.Path);
        foreach (var n in counts)
        {
            var selected = hosts.Hosts.Take(n).ToList();
            var opened = new List<IHost>();
            var backend = new HostsBackend(product.Name, selected.ToDictionary(h => h.Name, h =>
            {
                var host = h.CreateHost();
                opened.Add(host);
                return ((IHost)host, new RenderHost(h.Name, h.Address));
            }));
            try
            {
                var engine = new LifecycleEngine(backend);
                var input = new LifecycleInput(product, new Schedule(product.Name, [new ScheduledService("app", selected.Select(h => h.Name).ToList())]));
                await harness.MeasureAsync(Suite, "precheck", $"Deploy SDK, {n} host(s)", async () =>
                {
                    var result = await engine.PrecheckAsync(input);
                    if (result.Blocking)
                    {
                        throw new InvalidOperationException(string.Join("; ", result.Failures.Select(f => $"{f.Host} {f.Check}: {f.Message}")));
                    }
                }, runs: 5);
                // The floor under any per-host work: one `true` on every host at once over the same connections (all
                // hosts share this machine's two cores with the controller).
                await harness.MeasureAsync(Suite, "precheck", $"floor: `true` on each of {n} host(s) at once", async () =>
                {
                    await Task.WhenAll(opened.Select(h => h.RunAsync(CommandSpec.Of("true"))));
                }, runs: 5);
            }
            finally
            {
                await backend.DisposeAsync();
                foreach (var h in opened)
                {
                    await h.DisposeAsync();
                }
            }
        }
    }

    private static string Sample()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "samples", "PrivateDeploy")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "samples", "PrivateDeploy", "product");
    }

    private static void Copy(string from, string to)
    {
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
    }
}
