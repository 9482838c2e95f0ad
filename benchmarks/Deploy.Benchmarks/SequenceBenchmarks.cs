using System.Diagnostics;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// `sequence`: a 10,000-file component (~45 MB) deployed over the test sshd, side by side with `rsync -a` over
/// the same sshd and a multiplexed (ControlMaster) connection: first deploy, no-op redeploy, 10 changed files, all
/// interleaved. Each case runs against an sshd whose logins run this machine's rc files and again against one whose
/// logins skip them (cases ending in <c>, clean login shell</c>; <c>DEPLOY_BENCH_SHELL=machine|clean</c> picks one).
/// </summary>
public static class SequenceBenchmarks
{
    private const int FileCount = 10_000;

    public static async Task RunAsync(Harness harness)
    {
        var shells = Environment.GetEnvironmentVariable("DEPLOY_BENCH_SHELL") ?? "machine,clean";
        foreach (var (name, shell, suffix) in new[] { ("machine", LoginShell.Machine, ""), ("clean", LoginShell.Clean, ", clean login shell") })
        {
            if (shells.Contains(name, StringComparison.Ordinal))
            {
                Console.WriteLine($"sequence: logins with the {name} rc files");
                await RunOnAsync(harness, shell, suffix);
            }
        }
    }

    private static async Task RunOnAsync(Harness harness, LoginShell shell, string suffix)
    {
        await using var server = await SshServer.StartAsync(shell);
        using var dir = new TempDirectory("bench-seq");
        var source = dir.Combine("src");
        Generate(source);
        var remote = dir.Combine("remote");
        var ours = remote + "/ours/app";
        var rsyncTarget = remote + "/rsync/app/";
        var target = TargetBuilder.Create("bench")
            .WithStateDirectory(remote + "/ours/state")
            .AddComponent("app", c => c.AddFile(source, ours, ChangeEvent.Restart))
            .Build();
        await using var host = server.CreateHost();
        var applier = SequenceApplier.ForHost(host, target);
        var control = Path.Combine(dir.Path, "rsync-cm");
        string[] rsync = ["-a", "-e", $"ssh -p {server.Port} -i {server.IdentityFile} -o UserKnownHostsFile={server.KnownHostsFile} -o StrictHostKeyChecking=yes -F /dev/null -o ControlMaster=auto -o ControlPath={control} -o ControlPersist=120", source + "/", $"{server.User}@{server.Address}:{rsyncTarget}"];
        await Run("mkdir", "-p", rsyncTarget); // warm the rsync control master below

        // Only the timings are kept: a kept ApplyResult holds its plan (10,000 files), and dozens of those would make
        // every later collection in this process dearer than in a user's.
        var phases = new List<IReadOnlyList<PhaseTiming>>();
        var heap = new List<string>();
        async Task Ours()
        {
            // Allocation and collections per apply: on 2 cores a gen-1 collection of the scan's and the records'
            // 10,000 live entries costs more than the scan's system calls.
            var (bytes, paused, g0, g1, g2) = (GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            phases.Add((await applier.ApplyAsync(target)).Phases);
            heap.Add($"{(GC.GetTotalAllocatedBytes() - bytes) / 1e6:0.0} MB gc {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0.0} ms");
        }
        async Task Rsync() => await Run("rsync", rsync);

        await Quiet.SyncAsync();
        await Quiet.WaitAsync();
        Console.WriteLine($"sequence: {FileCount} files, {Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6:0.0} MB, sshd on port {server.Port}");

        // First deploys write into fresh directories (this disk creates files slowly right after a mass delete) and
        // start from a warm page cache for the source; the runs are interleaved so that load drifts hit all alike.
        var first = 0;
        TargetDefinition NewTarget(string root) => TargetBuilder.Create("bench")
            .WithStateDirectory(root + "/state")
            .AddComponent("app", c => c.AddFile(source, root + "/app", ChangeEvent.Restart))
            .Build();
        var raw = (await DesiredTarget.ScanAsync(target)).Components[0].Files.Select(f => (f.LocalPath, Relative: f.Entry.Path[ours.Length..])).ToList();
        var firstRuns = Environment.GetEnvironmentVariable("DEPLOY_BENCH_FIRST_RUNS") is { Length: > 0 } r ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 5;
        // `tar c | ssh tar x` into the same disk target tells the receiving tar's write pattern from our stream's.
        var times = new Dictionary<string, List<double>> { ["Deploy SDK"] = [], ["SshHost.UploadAsync only"] = [], ["rsync -a"] = [], ["rsync -a (our cipher)"] = [], ["tar c | ssh tar x"] = [] };
        // The cipher ours negotiates where the CPU has AES instructions (SshCipherPreference.AesGcmFirst), given to
        // rsync's ssh too: the ratio without the cipher's part, in the same run (a master of its own).
        var rsyncGcm = rsync[2].Replace($"ControlPath={control}", $"ControlPath={control}g", StringComparison.Ordinal) + " -o Ciphers=aes128-gcm@openssh.com";
        for (var i = -1; i < firstRuns; i++)
        {
            // Each round starts with the next subject, so that no subject always runs first after the disk settles.
            var subjects = times.Keys.ToArray();
            foreach (var subject in subjects.Skip((i + 1) % subjects.Length).Concat(subjects.Take((i + 1) % subjects.Length)))
            {
                var root = $"{remote}/first-{first++}";
                Func<Task> run;
                switch (subject)
                {
                    case "Deploy SDK":
                        var t = NewTarget(root);
                        var a = SequenceApplier.ForHost(host, t);
                        run = async () =>
                        {
                            var (bytes, paused) = (GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration());
                            phases.Add((await a.ApplyAsync(t)).Phases);
                            heap.Add($"{(GC.GetTotalAllocatedBytes() - bytes) / 1e6:0.0} MB paused {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:0.0} ms");
                        };
                        break;
                    case "SshHost.UploadAsync only":
                        // The bulk transfer alone (no plan/journal/state), to tell transport from engine overhead.
                        var files = raw.Select(f => new Deploy.Core.Hosts.FileUpload(f.LocalPath, root + "/app" + f.Relative)).ToList();
                        run = () => host.UploadAsync(files);
                        break;
                    case "tar c | ssh tar x":
                        run = () => Run("bash", "-c", $"tar -C '{source}' -c . | {rsync[2]} {server.User}@{server.Address} 'mkdir -p {root}/app && tar -x -p --no-same-owner -C {root}/app'");
                        break;
                    case "rsync -a (our cipher)":
                        Directory.CreateDirectory(root);
                        run = () => Run("rsync", ["-a", "-e", rsyncGcm, source + "/", $"{server.User}@{server.Address}:{root}/app/"]);
                        break;
                    default:
                        Directory.CreateDirectory(root);
                        run = () => Run("rsync", ["-a", "-e", rsync[2], source + "/", $"{server.User}@{server.Address}:{root}/app/"]);
                        break;
                }

                await Quiet.SyncAsync();
                Warm(source);
                var sw = Stopwatch.StartNew();
                await run();
                if (i >= 0)
                {
                    times[subject].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }

        PrintPhases("first deploy" + suffix, phases);
        PrintHeap("first deploy" + suffix, heap);
        foreach (var (subject, runs) in times)
        {
            var sorted = runs.Order().ToArray();
            harness.Record(new Measurement("sequence", "first deploy" + suffix, subject, sorted[sorted.Length / 2], [.. runs], "fresh directories, interleaved runs"));
            Console.WriteLine($"  sequence/first deploy{suffix}/{subject}: median {sorted[sorted.Length / 2]:0.0} ms  [{string.Join(", ", runs.Select(x => x.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}]");
        }

        await Ours();
        await Rsync();
        phases.Clear();
        heap.Clear();
        await harness.MeasureInterleavedAsync("sequence", "no-op redeploy" + suffix, [("Deploy SDK", Ours, null), ("rsync -a", Rsync, null)], runs: 9);
        PrintPhases("no-op redeploy" + suffix, phases);
        PrintHeap("no-op redeploy" + suffix, heap);

        var round = 0;
        Task Touch10()
        {
            round++;
            for (var i = 0; i < 10; i++)
            {
                File.WriteAllText(Path.Combine(source, $"d{i * 7 % 100:000}", $"f{i * 997 % FileCount:00000}.bin"), new string((char)('a' + round % 26), 4500));
            }

            return Task.CompletedTask;
        }

        // The setup runs before every run, so each subject finds the same 10 files changed since its own last run.
        phases.Clear();
        heap.Clear();
        await harness.MeasureInterleavedAsync("sequence", "10 changed files" + suffix, [("Deploy SDK", Ours, null), ("rsync -a", Rsync, null)], Touch10, runs: 7);
        PrintPhases("10 changed files" + suffix, phases);
        PrintHeap("10 changed files" + suffix, heap);
        await Run("ssh", "-o", $"ControlPath={control}", "-O", "exit", "x");
        await Run("ssh", "-o", $"ControlPath={control}g", "-O", "exit", "x");
    }

    /// <summary>
    /// With <c>DEPLOY_BENCH_VERBOSE=1</c>: per phase of our applies (<see cref="ApplyResult.Phases"/>), the median over
    /// the runs of its total time in a run, and the median wall time of the whole apply (phases overlap).
    /// </summary>
    private static void PrintPhases(string @case, List<IReadOnlyList<PhaseTiming>> results)
    {
        if (Environment.GetEnvironmentVariable("DEPLOY_BENCH_VERBOSE") != "1" || results.Count == 0)
        {
            return;
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        var line = string.Join("  ", Enum.GetValues<ApplyPhase>()
            .Where(p => results.Any(r => r.Any(t => t.Phase == p)))
            .Select(p => $"{p} {Median(results.Select(r => r.Where(t => t.Phase == p).Sum(t => t.Duration.TotalMilliseconds))):0.0}"));
        var end = Median(results.Select(r => r.Count == 0 ? 0 : r.Max(t => (t.Start + t.Duration).TotalMilliseconds)));
        Console.WriteLine($"  phases ({@case}, Deploy SDK, medians of {results.Count} runs, ms): {line}  [last phase ends at {end:0.0}]");
        Console.WriteLine($"    per run (start+duration ms): {string.Join(" | ", results.Select(r => string.Join(" ", r.Select(t => $"{t.Phase}@{t.Start.TotalMilliseconds:0}+{t.Duration.TotalMilliseconds:0}"))))}");
    }

    /// <summary>With <c>DEPLOY_BENCH_VERBOSE=1</c>: the bytes this process allocated and its gen 0/1/2 collections, per apply.</summary>
    private static void PrintHeap(string @case, List<string> runs)
    {
        if (Environment.GetEnvironmentVariable("DEPLOY_BENCH_VERBOSE") == "1" && runs.Count > 0)
        {
            Console.WriteLine($"  heap ({@case}, Deploy SDK, per run): {string.Join(" | ", runs)}");
        }
    }

    private static void Generate(string root)
    {
        var rng = new Random(42);
        var buffer = new byte[9000];
        for (var i = 0; i < FileCount; i++)
        {
            var d = Path.Combine(root, $"d{i % 100:000}");
            Directory.CreateDirectory(d);
            rng.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(d, $"f{i:00000}.bin"), buffer.AsSpan(0, 500 + rng.Next(8000)).ToArray());
        }
    }

    private static void Warm(string root)
    {
        var buffer = new byte[1 << 16];
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            using var fs = File.OpenRead(f);
            while (fs.Read(buffer) > 0)
            {
            }
        }
    }

    private static async Task Run(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 && program != "ssh")
        {
            throw new InvalidOperationException($"{program} exited {p.ExitCode}: {await err}");
        }
    }
}
