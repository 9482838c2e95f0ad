using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;
using Deploy.Testing;
using Deploy.Testing.Hosts;

namespace Deploy.Benchmarks;

/// <summary>
/// Suite <c>agent</c>: a push upgrade (<see cref="AgentPush"/>: signed feed served by <c>python3 -m http.server</c>,
/// fetch and verify here, upload, install hook, switch, commit) to 1, 20 and 50 isolated namespace hosts, each run a
/// new version, all hosts of a case in one cohort. The target: 50 hosts within 2x of one. The packages carry a
/// 200-file payload (~2 MB); no restart or health check, so the numbers are the push machinery's.
/// <c>DEPLOY_BENCH_AGENT_HOSTS</c> (e.g. <c>1,5</c>) sets other fleet sizes. Each new version changes one file
/// (<c>version.txt</c>), so with deltas on (the default; <c>DEPLOY_BENCH_AGENT_DELTAS=0</c> publishes full packages
/// only, as session 8 did) the hosts assemble the new release from the delta. The last case prints the bytes of that
/// delta against the full package (target: under 5%). <c>DEPLOY_BENCH_VERBOSE=1</c> prints each case's per-phase
/// timings (median and max over the hosts of its last run, see <see cref="PhaseTimings"/>);
/// <c>DEPLOY_BENCH_AGENT_RESTART=1</c> adds a restart and a command health check to every update.
/// </summary>
public static class AgentBenchmarks
{
    private const string Suite = "agent";

    private const string FeedServer = """
        import functools, http.server, sys
        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256
        http.server.test(HandlerClass=functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2]), ServerClass=Server, port=int(sys.argv[1]), bind="127.0.0.1")
        """;

    public static async Task RunAsync(Harness harness)
    {
        var sizes = (Environment.GetEnvironmentVariable("DEPLOY_BENCH_AGENT_HOSTS") ?? "1,20,50").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var max = sizes.Max();
        using var work = new TempDirectory("bench-agent");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var feed = Directory.CreateDirectory(Path.Combine(work.Path, "feed")).FullName;
        var payload = Path.Combine(work.Path, "payload");
        GeneratePayload(payload);
        var port = FreePort();
        // The feed on a plain HTTP server, as a customer would serve it (Python's http.server, listen backlog 256).
        // Session 8: with 20 or 50 hosts at once, one or two hosts' index reads still failed ("an error occurred while
        // sending the request"): the push reads the index once per host and does not retry a transient feed error.
        using var server = Process.Start(new ProcessStartInfo("python3", ["-c", FeedServer, port.ToString(CultureInfo.InvariantCulture), feed]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var sw = Stopwatch.StartNew();
        await using var hosts = await IsolatedHosts.StartAsync([.. Enumerable.Range(1, max).Select(i => IsolatedHostSpec.Of("h" + i.ToString("00", CultureInfo.InvariantCulture), OsReleases.Debian12))], new IsolatedHostsOptions { StartTimeout = TimeSpan.FromMinutes(3) });
        Console.WriteLine($"agent: {max} isolated hosts started in {sw.Elapsed.TotalSeconds:0.0} s ({(hosts.IsIsolated ? "isolated" : "FALLBACK: " + hosts.FallbackReason)})");
        try
        {
            var deltas = Environment.GetEnvironmentVariable("DEPLOY_BENCH_AGENT_DELTAS") is "0" ? 0 : 1;
            var publisher = new FeedPublisher(new FeedPublishOptions { FeedDirectory = feed, SigningKey = key, Deltas = deltas });
            var version = 0;
            async Task PublishNextAsync()
            {
                version++;
                await File.WriteAllTextAsync(Path.Combine(payload, "version.txt"), version.ToString(CultureInfo.InvariantCulture));
                var built = await PackageBuilder.Create("bench_agent").WithType(PackageType.InstallUpdateAgent).WithOsRelease("debian").WithPayloadDirectory(payload).SignWith(key)
                    .BuildToDirectoryAsync(Path.Combine(work.Path, "out-" + version.ToString(CultureInfo.InvariantCulture)));
                await publisher.PublishAsync(built.OutputPath!, $"{version}.0.0");
            }

            var update = new AgentUpdateOptions
            {
                Feed = new Uri($"http://127.0.0.1:{port}/"),
                AppDirectory = "/opt/bench-agent",
                TrustedKeys = [TrustedKey.FromKey(key)],
                DownloadDirectory = Path.Combine(work.Path, "downloads"),
            };
            if (Environment.GetEnvironmentVariable("DEPLOY_BENCH_AGENT_RESTART") is "1")
            {
                // A restart (a real process started in the background) and a command health check it passes at once.
                update = update with
                {
                    RestartCommand = ["/bin/sh", "-c", "cat version.txt > ../../restarted; nohup sleep 300 </dev/null >/dev/null 2>&1 &"],
                    HealthCheck = AgentHealthCheck.Run(["/bin/sh", "-c", "test -f ../../restarted"]),
                };
            }
            await using var all = new HostFleet(hosts.Hosts.Select(h => new FleetTarget(h.Name, h.CreateHost()) { InventoryHost = h.ToInventoryHost() }), ownsHosts: true);
            await PublishNextAsync();
            Checked(await AgentPush.PushAsync(all, Options(update, version, max)));
            var phases = Environment.GetEnvironmentVariable("DEPLOY_BENCH_VERBOSE") is "1" ? new PhaseTimings() : null;
            foreach (var n in sizes)
            {
                var fleet = new HostFleet(all.Targets.Take(n));
                Console.WriteLine($"agent: push upgrade to {n} host(s)");
                await harness.MeasureAsync(Suite, $"push upgrade, {n} host(s)", "Deploy SDK", async () =>
                    Checked(await AgentPush.PushAsync(fleet, Options(update, version, n) with { HostProgress = phases }, phases)), setup: async () =>
                    {
                        phases?.Clear();
                        await PublishNextAsync();
                    }, runs: 3);
                phases?.Print($"{n} host(s), last run");
                if (phases is not null)
                {
                    // The CPU-bound floor under any per-host work: one `true` on each host at once over the same connections.
                    await harness.MeasureAsync(Suite, $"floor: `true` on each of {n} host(s) at once", "Deploy SDK", async () =>
                        await Task.WhenAll(fleet.Targets.Select(t => t.Host.RunAsync(CommandSpec.Of("true")))), runs: 3);
                }
            }

            // Bytes of a one-file change: the delta the last publish built against its predecessor vs the full package.
            if (deltas > 0)
            {
                var entry = (await publisher.ReadAsync())!.Find($"{version}.0.0", "stable")!;
                var delta = entry.Deltas![0];
                var ratio = (double)delta.Size / entry.Size;
                Console.WriteLine($"agent: delta bytes for a one-file change: {delta.Size} of {entry.Size} bytes = {ratio:P2} of the full package (target: under 5%)");
                harness.Record(new Measurement(Suite, "delta bytes / full package bytes, one-file change", "Deploy SDK", ratio * 100, [ratio * 100], $"percent, not ms: delta {delta.Size} bytes, full package {entry.Size} bytes"));
            }
        }
        finally
        {
            server.Kill();
        }
    }

    /// <summary>Prints why each failed host failed, then throws as <c>ThrowOnFailure</c> does.</summary>
    private static void Checked<T>(FleetResult<T> result)
    {
        foreach (var failed in result.Failed)
        {
            Console.WriteLine($"agent: {failed.Name} failed: {failed.Error?.GetType().Name}: {failed.Error?.Message}");
        }

        result.ThrowOnFailure();
    }

    private static AgentPushOptions Options(AgentUpdateOptions update, int version, int hosts) => new()
    {
        Update = update,
        Version = $"{version}.0.0",
        Cohorts = [FleetBatchSize.Percent(100)],
        MaxParallelism = hosts,
    };

    private static void GeneratePayload(string root)
    {
        var rng = new Random(14);
        for (var i = 0; i < 200; i++)
        {
            var dir = Path.Combine(root, "lib", (i % 10).ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var bytes = new byte[10_000];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(dir, $"f{i}.bin"), bytes);
        }

        Directory.CreateDirectory(Path.Combine(root, "hooks"));
        File.WriteAllText(Path.Combine(root, "hooks", "install"), "#!/bin/sh\ncat version.txt > installed\n");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
