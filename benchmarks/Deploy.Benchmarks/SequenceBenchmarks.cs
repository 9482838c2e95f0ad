using System.Diagnostics;
using Deploy.Core.Sequence;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// `sequence`: a 10,000-file component (~45 MB) deployed over the test sshd, side by side with `rsync -a` over
/// the same sshd and a multiplexed (ControlMaster) connection: first deploy, no-op redeploy, 10 changed files.
/// </summary>
public static class SequenceBenchmarks
{
    private const int FileCount = 10_000;

    public static async Task RunAsync(Harness harness)
    {
        await using var server = await SshServer.StartAsync();
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

        async Task Ours() => await applier.ApplyAsync(target);
        async Task Rsync() => await Run("rsync", rsync);

        Console.WriteLine($"sequence: {FileCount} files, {Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6:0.0} MB, sshd on port {server.Port}");
        await harness.MeasureAsync("sequence", "first deploy", "Deploy SDK", Ours, setup: () => Clean(remote + "/ours"), runs: 3);
        // The bulk transfer alone (SshHost.UploadAsync, no plan/journal/state), to tell transport from engine overhead.
        var raw = (await DesiredTarget.ScanAsync(target)).Components[0].Files.Select(f => new Deploy.Core.Hosts.FileUpload(f.LocalPath, remote + "/raw/app" + f.Entry.Path[ours.Length..])).ToList();
        await harness.MeasureAsync("sequence", "first deploy", "SshHost.UploadAsync only", () => host.UploadAsync(raw), setup: () => Clean(remote + "/raw"), runs: 3);
        await harness.MeasureAsync("sequence", "first deploy", "rsync -a", Rsync, setup: async () => { await Clean(remote + "/rsync"); Directory.CreateDirectory(remote + "/rsync"); }, runs: 3);

        await Ours();
        await Rsync();
        await harness.MeasureAsync("sequence", "no-op redeploy", "Deploy SDK", Ours, runs: 9);
        await harness.MeasureAsync("sequence", "no-op redeploy", "rsync -a", Rsync, runs: 9);

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

        await harness.MeasureAsync("sequence", "10 changed files", "Deploy SDK", Ours, setup: Touch10, runs: 7);
        await harness.MeasureAsync("sequence", "10 changed files", "rsync -a", Rsync, setup: Touch10, runs: 7);
        await Run("ssh", "-o", $"ControlPath={control}", "-O", "exit", "x");
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

    private static Task Clean(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Task.CompletedTask;
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
