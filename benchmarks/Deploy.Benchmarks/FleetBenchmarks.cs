using System.Globalization;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// Suite <c>fleet</c>: five local sshd instances. A command fanned out to all five, 20 rounds, through
/// <see cref="HostFleet"/> over <see cref="SshHost"/> vs a shell loop of five parallel <c>ssh</c> clients per round
/// (multiplexed over ControlMasters, and fresh connections); a 500-file tree (~5 MB) uploaded to all five
/// through the fleet vs five parallel <c>tar c | ssh tar x</c> pipes.
/// </summary>
public static class FleetBenchmarks
{
    private const string Suite = "fleet";
    private const string Ours = "Deploy SDK";
    private const int Hosts = 5;
    private const int Rounds = 20;

    public static async Task RunAsync(Harness harness)
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, Hosts).Select(_ => SshServer.StartAsync()));
        using var work = new TempDirectory("bench-fleet");
        var common = servers.Select(s => $"-F /dev/null -p {s.Port.ToString(CultureInfo.InvariantCulture)} -l {CommandLine.Quote(s.User)} -i {CommandLine.Quote(s.IdentityFile)} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile={CommandLine.Quote(s.KnownHostsFile)} -o StrictHostKeyChecking=yes -o Compression=no").ToArray();
        var mux = servers.Select((s, i) => common[i] + " -o ControlPath=" + CommandLine.Quote(Path.Combine(s.Directory, "bm"))).ToArray();
        var fleet = HostFleet.Of(servers.Select(s => (IHost)s.CreateHost()), new FleetOptions { MaxParallelism = Hosts });
        try
        {
            foreach (var m in mux)
            {
                await BashAsync($"ssh {m} -o ControlMaster=yes -o ControlPersist=600 -f -N 127.0.0.1");
            }

            Console.WriteLine($"fleet: `true` on {Hosts} hosts, {Rounds} rounds");
            var @case = $"{Hosts} hosts x {Rounds} rounds";
            await harness.MeasureAsync(Suite, @case, Ours, async () =>
            {
                for (var r = 0; r < Rounds; r++)
                {
                    (await fleet.RunCommandAsync(CommandSpec.Of("true"))).ThrowOnFailure();
                }
            });
            await harness.MeasureAsync(Suite, @case, "parallel ssh (ControlMaster)", () => BashAsync(FanOut(mux, "true")));
            await harness.MeasureAsync(Suite, @case, "parallel ssh (new connections)", () => BashAsync(FanOut(common.Select(c => c + " -o ControlPath=none").ToArray(), "true")), warmUp: false);

            var source = Path.Combine(work.Path, "src");
            var (count, bytes) = GenerateTree(source);
            var uploads = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(source, f)).ToArray();
            Console.WriteLine($"fleet: upload of a {count}-file tree ({bytes / 1e6:0.0} MB) to {Hosts} hosts");
            var run = 0;
            string Dest(int host) => Path.Combine(work.Path, $"dst-{run}-{host}");
            var upCase = $"upload {count} files to {Hosts} hosts";
            await harness.MeasureAsync(Suite, upCase, Ours, async () =>
            {
                var result = await fleet.RunAsync((host, ctx, ct) =>
                    host.UploadAsync(uploads.Select(u => new FileUpload(Path.Combine(source, u), Dest(ctx.Index) + "/" + u)).ToList(), null, ct));
                result.ThrowOnFailure();
            }, setup: () => { run++; return Task.CompletedTask; });
            await harness.MeasureAsync(Suite, upCase, "parallel tar | ssh tar x", () =>
            {
                var script = string.Join(" & ", mux.Select((m, i) => $"tar c -C {CommandLine.Quote(source)} . | ssh {m} 127.0.0.1 {CommandLine.Quote($"mkdir -p {CommandLine.Quote(Dest(i))} && tar x -C {CommandLine.Quote(Dest(i))}")}")) + " & wait";
                return BashAsync(script);
            }, setup: () => { run++; return Task.CompletedTask; });
        }
        finally
        {
            await fleet.DisposeAsync();
            foreach (var h in fleet.Targets)
            {
                await h.Host.DisposeAsync();
            }

            foreach (var m in mux)
            {
                await new LocalHost().RunAsync(CommandSpec.Of("bash", "-c", $"ssh {m} -O exit 127.0.0.1"));
            }

            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }
        }
    }

    private static string FanOut(string[] sshArgs, string command) =>
        $"for r in $(seq {Rounds}); do {string.Join(" ", sshArgs.Select(a => $"ssh {a} 127.0.0.1 {command} &"))} wait; done";

    private static async Task BashAsync(string script)
    {
        var result = await new LocalHost().RunAsync(CommandSpec.Of("bash", "-c", "set -e; " + script));
        result.ThrowOnFailure();
    }

    private static (int Count, long Bytes) GenerateTree(string root)
    {
        var random = new Random(42);
        long bytes = 0;
        for (var i = 0; i < 500; i++)
        {
            var path = Path.Combine(root, $"d{i % 20}", $"f{i}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var data = new byte[random.Next(2_000, 18_000)];
            random.NextBytes(data);
            File.WriteAllBytes(path, data);
            bytes += data.Length;
        }

        return (500, bytes);
    }
}
