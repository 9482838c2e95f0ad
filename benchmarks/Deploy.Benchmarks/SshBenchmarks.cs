using System.Diagnostics;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// Suite <c>ssh</c>: against one local sshd, 100 sequential commands through <see cref="SshHost"/> and the managed
/// transport (<see cref="Deploy.Core.Hosts.Ssh.Managed.ManagedSshHost"/>) vs plain ssh
/// (multiplexed over a ControlMaster, and a fresh connection each), and a 10,000-file (~45 MB) tree upload vs
/// <c>tar c | ssh tar x</c>, <c>rsync -a</c> and <c>scp -r</c> over the same sshd. Every case runs twice: against an
/// sshd whose logins run this machine's rc files (root's <c>.bashrc</c> here runs <c>pyenv init</c>, ~100 ms per new
/// shell, which every reference command pays and our persistent sessions pay once) and against one whose logins
/// skip them (<see cref="LoginShell.Clean"/>, a typical server); the second's cases end in
/// <c>, clean login shell</c>. <c>DEPLOY_BENCH_SHELL=machine|clean</c> runs one of them.
/// </summary>
public static class SshBenchmarks
{
    private const string Suite = "ssh";
    private const string Ours = "Deploy SDK";
    private const string OursManaged = "Deploy SDK (managed SSH.NET)";

    public static async Task RunAsync(Harness harness)
    {
        var shells = Environment.GetEnvironmentVariable("DEPLOY_BENCH_SHELL") ?? "machine,clean";
        foreach (var (name, shell, suffix) in new[] { ("machine", LoginShell.Machine, ""), ("clean", LoginShell.Clean, ", clean login shell") })
        {
            if (shells.Contains(name, StringComparison.Ordinal))
            {
                Console.WriteLine($"ssh: logins with the {name} rc files");
                await RunOnAsync(harness, shell, suffix);
            }
        }
    }

    private static async Task RunOnAsync(Harness harness, LoginShell shell, string suffix)
    {
        if ((Environment.GetEnvironmentVariable("DEPLOY_BENCH_SSH_CASES") ?? "").Contains("producer", StringComparison.Ordinal))
        {
            await MeasureProducerAsync();
            return;
        }

        await using var server = await SshServer.StartAsync(shell);
        using var work = new TempDirectory("bench-ssh");
        var control = Path.Combine(server.Directory, "bm");
        var common = new[]
        {
            "-F", "/dev/null", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", server.User,
            "-i", server.IdentityFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "UserKnownHostsFile=" + server.KnownHostsFile, "-o", "StrictHostKeyChecking=yes", "-o", "Compression=no",
        };
        var mux = common.Concat(["-o", "ControlPath=" + control]).ToArray();

        // scp spells the port -P and has no -l for the user.
        var scpArgs = mux.Select(a => a == "-p" ? "-P" : a).Where((a, i) => a != "-l" && (i == 0 || mux[i - 1] != "-l")).Concat(["-o", "User=" + server.User]).ToArray();
        await ExecAsync("ssh", [.. mux, "-o", "ControlMaster=yes", "-o", "ControlPersist=600", "-f", "-N", "127.0.0.1"]);
        // A second master for the reference with our cipher (ssh picks the cipher per connection).
        await ExecAsync("ssh", [.. common, "-o", "ControlPath=" + control + "g", "-o", "Ciphers=aes128-gcm@openssh.com", "-o", "ControlMaster=yes", "-o", "ControlPersist=600", "-f", "-N", "127.0.0.1"]);
        await using var host = server.CreateHost(o => o with { ExtraOptions = Environment.GetEnvironmentVariable("DEPLOY_BENCH_SSH_OPTION") is { Length: > 0 } extra ? [extra] : [] });
        await using var managed = SshHosts.Create(server.HostOptions() with { Transport = SshTransport.Managed });
        var cases = Environment.GetEnvironmentVariable("DEPLOY_BENCH_SSH_CASES") ?? "commands,upload";
        try
        {
            if (cases.Contains("commands", StringComparison.Ordinal))
            {
                await MeasureCommandsAsync(harness, "100 commands" + suffix, host, managed, common, mux);
            }

            if (!cases.Contains("upload", StringComparison.Ordinal))
            {
                return;
            }

            var source = Path.Combine(work.Path, "src");
            var (count, bytes) = GenerateTree(source);
            await Quiet.SyncAsync();
            await Quiet.WaitAsync();
            Console.WriteLine($"ssh: upload of a {count}-file tree ({bytes / 1e6:0.0} MB)");
            var relative = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(source, f)).ToArray();
            var run = 0;
            string dest = "";
            async Task Fresh()
            {
                dest = Path.Combine(work.Path, "dst-" + run++);
                Directory.CreateDirectory(dest);
                await Quiet.SyncAsync();
                await WarmAsync(source);
            }

            if (cases.Contains("ab", StringComparison.Ordinal))
            {
                // Interleaved runs, for investigating the upload on a noisy machine: ours laid out on its guess (the
                // default), ours laid out on the destination check (as before session 22), the tar pipe.
                var rounds = Environment.GetEnvironmentVariable("DEPLOY_BENCH_AB_ROUNDS") is { Length: > 0 } abr ? int.Parse(abr, System.Globalization.CultureInfo.InvariantCulture) : 8;
                for (var i = 0; i < rounds; i++)
                {
                    var times = new List<double>();
                    foreach (var guess in new[] { true, false })
                    {
                        await Fresh();
                        host.GuessLayout = guess;
                        var sw = Stopwatch.StartNew();
                        await host.UploadAsync(relative.Select(r => new FileUpload(Path.Combine(source, r), dest + "/" + r)).ToList());
                        times.Add(sw.Elapsed.TotalMilliseconds);
                    }

                    host.GuessLayout = true;
                    await Fresh();
                    var tar = Stopwatch.StartNew();
                    await ExecAsync("bash", ["-c", $"set -o pipefail; tar c -C {CommandLine.Quote(source)} . | ssh {string.Join(' ', mux.Select(CommandLine.Quote))} 127.0.0.1 tar x -C {CommandLine.Quote(dest)}"]);
                    Console.WriteLine($"ab: ours {times[0]:0} ms, ours on the check {times[1]:0} ms, tar pipe {tar.Elapsed.TotalMilliseconds:0} ms");
                }

                return;
            }

            var sshCommand = "ssh " + string.Join(' ', mux.Select(CommandLine.Quote));
            var sshGcm = "ssh " + string.Join(' ', common.Select(CommandLine.Quote)) + " -o ControlPath=" + CommandLine.Quote(control + "g");
            var uploadRuns = Environment.GetEnvironmentVariable("DEPLOY_BENCH_UPLOAD_RUNS") is { Length: > 0 } ur ? int.Parse(ur, System.Globalization.CultureInfo.InvariantCulture) : 7;
            await harness.MeasureInterleavedAsync(Suite, "upload 10k files" + suffix,
            [
                (Ours, async () => await host.UploadAsync(relative.Select(r => new FileUpload(Path.Combine(source, r), dest + "/" + r)).ToList()), null),
                (OursManaged, async () => await managed.UploadAsync(relative.Select(r => new FileUpload(Path.Combine(source, r), dest + "/" + r)).ToList()), null),
                ("tar c | ssh tar x", () => ExecAsync("bash", ["-c", $"set -o pipefail; tar c -C {CommandLine.Quote(source)} . | {sshCommand} 127.0.0.1 tar x -C {CommandLine.Quote(dest)}"]), null),
                // The cipher ours negotiates where the CPU has AES instructions (SshCipherPreference.AesGcmFirst): the
                // reference with it, so the ratio without the cipher's part is in the same run.
                ("tar c | ssh -c aes128-gcm tar x (our cipher)", () => ExecAsync("bash", ["-c", $"set -o pipefail; tar c -C {CommandLine.Quote(source)} . | {sshGcm} 127.0.0.1 tar x -C {CommandLine.Quote(dest)}"]), null),
                // The same guarantee as ours: GNU tar's default format keeps whole seconds; pax keeps exact times.
                ("tar c --format=posix | ssh tar x (exact times)", () => ExecAsync("bash", ["-c", $"set -o pipefail; tar c --format=posix --pax-option=delete=atime,delete=ctime -C {CommandLine.Quote(source)} . | {sshCommand} 127.0.0.1 tar x -C {CommandLine.Quote(dest)}"]), null),
                ("rsync -a", () => ExecAsync("rsync", ["-a", "-e", sshCommand, source + "/", "127.0.0.1:" + dest + "/"]), null),
                // scp costs seconds per run: three rounds tell its order of magnitude.
                ("scp -r", () => ExecAsync("scp", ["-q", "-r", .. scpArgs, source, "127.0.0.1:" + dest + "/"]), 3),
            ], Fresh, uploadRuns);

            Verify(source, Path.Combine(work.Path, "dst-0"), relative); // our warm-up run
        }
        finally
        {
            await ExecAsync("ssh", [.. mux, "-O", "exit", "127.0.0.1"], check: false);
            await ExecAsync("ssh", [.. common, "-o", "ControlPath=" + control + "g", "-O", "exit", "127.0.0.1"], check: false);
        }
    }

    private static async Task MeasureCommandsAsync(Harness harness, string @case, SshHost host, IHost managed, string[] common, string[] mux)
    {
        Console.WriteLine($"ssh: {@case}, 100 sequential commands (true), interleaved");
        async Task Hundred(Func<Task> command)
        {
            for (var i = 0; i < 100; i++)
            {
                await command();
            }
        }

        // A new connection per command costs 100x more: 20 a run, scaled x5 in the note's sense (its median is x5).
        var fresh = await harness.MeasureInterleavedAsync(Suite, @case,
        [
            (Ours, () => Hundred(() => host.RunAsync(CommandSpec.Of("true"))), null),
            (OursManaged, () => Hundred(() => managed.RunAsync(CommandSpec.Of("true"))), null),
            ("ssh (ControlMaster)", () => Hundred(() => ExecAsync("ssh", [.. mux, "127.0.0.1", "true"])), null),
            ("ssh (new connection each)", async () =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await ExecAsync("ssh", [.. common, "-o", "ControlPath=none", "127.0.0.1", "true"]);
                }
            }, null),
        ]);
        var each = fresh[^1];
        harness.Replace(each, each with { MedianMs = each.MedianMs * 5, RunsMs = [.. each.RunsMs.Select(t => t * 5)], Note = "interleaved runs; 20 commands per run, scaled x5" });
    }

    /// <summary>10,000 files, ~45 MB: mostly small, some medium, a few large, over 200 directories.</summary>
    /// <summary>
    /// Investigation mode (<c>DEPLOY_BENCH_SSH_CASES=producer</c>): the upload's client-side work alone, the archive
    /// of the 10,000-file tree written to a pipe into <c>cat</c>, against <c>tar c</c> into the same pipe; CPU times
    /// (user+system of the producing process) in pairs. Nothing is kept.
    /// </summary>
    private static async Task MeasureProducerAsync()
    {
        using var work = new TempDirectory("bench-producer");
        var source = Path.Combine(work.Path, "src");
        GenerateTree(source);
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).ToList();
        var targets = files.Select(f => "/srv/x/" + Path.GetRelativePath(source, f)).ToList();
        var layout = UploadLayout.Create(targets, "bench", UploadLayout.ParentsOf(targets).ToDictionary(p => p, p => p == "/srv/x" ? 1 : 2));
        var uploads = files.Select((f, i) => new FileUpload(f, targets[i])).ToList();
        var me = Process.GetCurrentProcess();
        for (var i = 0; i < 12; i++)
        {
            using var cat = Process.Start(new ProcessStartInfo("sh", ["-c", "cat > /dev/null"]) { RedirectStandardInput = true })!;
            me.Refresh();
            var before = me.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var items = UploadStream.Prepare(uploads, needSizes: false);
            await UploadStream.SendAsync(cat.StandardInput.BaseStream, "/srv/.deploy-up-bench", layout, items, -1, false, null, null, CancellationToken.None);
            var wall = sw.Elapsed.TotalMilliseconds;
            me.Refresh();
            var cpu = (me.TotalProcessorTime - before).TotalMilliseconds;
            await cat.WaitForExitAsync();
            using var tar = Process.Start(new ProcessStartInfo("bash", ["-c", $"TIMEFORMAT='%3U %3S %3R'; time (tar c -C {CommandLine.Quote(source)} . | cat > /dev/null)"]) { RedirectStandardError = true })!;
            var times = (await tar.StandardError.ReadToEndAsync()).Trim().Split(' ');
            await tar.WaitForExitAsync();
            Console.WriteLine($"producer: ours cpu {cpu:0} ms wall {wall:0} ms; tar c + cat cpu {(double.Parse(times[0], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(times[1], System.Globalization.CultureInfo.InvariantCulture)) * 1000:0} ms wall {double.Parse(times[2], System.Globalization.CultureInfo.InvariantCulture) * 1000:0} ms");
        }
    }

    private static (int Count, long Bytes) GenerateTree(string root)
    {
        var random = new Random(2024);
        long total = 0;
        var buffer = new byte[1 << 20];
        random.NextBytes(buffer);
        for (var i = 0; i < 10_000; i++)
        {
            var size = (i % 100) switch
            {
                < 70 => random.Next(0, 2_000),
                < 95 => random.Next(2_000, 18_000),
                _ => random.Next(15_000, 45_000),
            };
            var dir = Path.Combine(root, "d" + (i % 200), "s" + (i % 7));
            Directory.CreateDirectory(dir);
            var file = Path.Combine(dir, "f" + i + ".dat");
            using (var fs = File.Create(file))
            {
                fs.Write(buffer, random.Next(0, buffer.Length - size), size);
            }

            File.SetUnixFileMode(file, i % 10 == 0 ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4);
            total += size;
        }

        return (10_000, total);
    }

    private static async Task WarmAsync(string root)
    {
        var buffer = new byte[1 << 16];
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            await using var fs = File.OpenRead(f);
            while (await fs.ReadAsync(buffer) > 0)
            {
            }
        }
    }

    private static void Verify(string source, string dest, string[] relative)
    {
        foreach (var r in relative.Take(200))
        {
            var a = File.ReadAllBytes(Path.Combine(source, r));
            var b = File.ReadAllBytes(Path.Combine(dest, r));
            if (!a.AsSpan().SequenceEqual(b) || File.GetLastWriteTimeUtc(Path.Combine(source, r)) != File.GetLastWriteTimeUtc(Path.Combine(dest, r)))
            {
                throw new InvalidOperationException($"Upload verification failed for {r}");
            }
        }
    }

    private static async Task ExecAsync(string program, string[] args, bool check = true)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {p.ExitCode}: {await err}");
        }
    }
}
