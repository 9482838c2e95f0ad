using Deploy.Core.Hosts;
using Deploy.Docker.Engine;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// `docker`: loading a ~200 MB gzipped image archive. Deploy SDK (<c>DockerEngine.LoadAsync(path)</c>, which on a
/// local host lets the CLI read the file; and <c>LoadAsync(stream)</c>, the stdin streaming used for remote hosts) vs <c>gunzip -c x.tar.gz | docker load</c> vs <c>docker load -i x.tar.gz</c>, on the
/// same engine in one run; the image is removed before every run.
/// </summary>
public static class DockerBenchmarks
{
    public static async Task RunAsync(Harness harness)
    {
        using var temp = new TempDirectory("bench-docker");
        await using var host = new LocalHost();
        var reference = $"encoo/bench-load-{Guid.NewGuid():N}"[..30] + ":1";
        var archive = temp.Combine("image.tar.gz");
        Console.WriteLine("Building a ~210 MB image (150 MB random + 60 MB text + busybox) and saving it gzipped...");
        await host.RunScriptAsync("""
            set -e
            mkdir -p "$1/rootfs/bin" "$1/rootfs/data"
            cp /bin/busybox "$1/rootfs/bin/busybox"; ln -s busybox "$1/rootfs/bin/sh"
            head -c 150000000 /dev/urandom > "$1/rootfs/data/random.bin"
            yes 'console-web-v4-pvt 4.1.76383 compressible log line of text' | head -c 60000000 > "$1/rootfs/data/text.log"
            tar -C "$1/rootfs" -cf "$1/rootfs.tar" .
            rm -rf "$1/rootfs"
            docker import --change 'CMD ["sh"]' "$1/rootfs.tar" "$2" >/dev/null
            rm -f "$1/rootfs.tar"
            docker save "$2" | gzip -1 > "$3"
            docker rmi "$2" >/dev/null
            """, [temp.Path, reference, archive]).ThrowOnFailure();
        var size = new FileInfo(archive).Length;
        Console.WriteLine($"Archive: {size / 1_000_000.0:0.0} MB gzipped");

        var engine = new DockerEngine(host);
        // Remove the image and flush the file system so that one run's deletions are not written back during the next run.
        Task Remove() => host.RunScriptAsync("docker rmi -f \"$1\" >/dev/null 2>&1 || true; sync", [reference]);
        var @case = $"load {size / 1_000_000} MB .tar.gz";
        // The machine is shared: rounds are interleaved (one run of every subject per round, order rotated) so that
        // load changes hit every subject alike; each subject's median over the rounds is recorded.
        var subjects = new (string Name, Func<Task> Run)[]
        {
            ("Deploy SDK", async () =>
            {
                var result = await engine.LoadAsync(archive);
                if (!result.References.Contains(reference))
                {
                    throw new InvalidOperationException("LoadAsync did not report " + reference);
                }
            }),
            ("Deploy SDK (stdin stream)", async () =>
            {
                await using var file = File.OpenRead(archive);
                await engine.LoadAsync(file, archive, file.Length);
            }),
            ("gunzip -c | docker load", () => host.RunScriptAsync("gunzip -c \"$1\" | docker load >/dev/null", [archive]).ThrowOnFailure()),
            ("docker load -i", () => host.RunAsync(CommandSpec.Of("docker", "load", "-i", archive)).ThrowOnFailure()),
        };
        var times = subjects.ToDictionary(s => s.Name, _ => new List<double>());
        try
        {
            const int rounds = 9;
            for (var round = -1; round < rounds; round++)
            {
                // Rotate the order every round so that no subject always runs first.
                var start = (round + subjects.Length) % subjects.Length;
                foreach (var (name, run) in subjects.Skip(start).Concat(subjects.Take(start)))
                {
                    await Remove();
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    await run();
                    if (round >= 0)
                    {
                        times[name].Add(sw.Elapsed.TotalMilliseconds);
                    }
                }
            }

            foreach (var (name, list) in times)
            {
                var sorted = list.Order().ToArray();
                harness.Record(new Measurement("docker", @case, name, sorted[sorted.Length / 2], [.. list]));
                Console.WriteLine($"  docker/{@case}/{name}: median {sorted[sorted.Length / 2]:0.0} ms  [{string.Join(", ", list.Select(t => t.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}]");
            }
        }
        finally
        {
            await Remove();
        }
    }
}
