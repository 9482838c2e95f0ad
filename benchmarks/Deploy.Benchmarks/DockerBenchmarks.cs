using Deploy.Core.Hosts;
using Deploy.Docker.Engine;
using Deploy.Testing;

namespace Deploy.Benchmarks;

/// <summary>
/// `docker`: loading a ~200 MB gzipped image archive, measuring what the SDK adds. Over SSH (a real sshd on
/// 127.0.0.1, the same dockerd): our streamed <c>DockerEngine.LoadAsync(path)</c> on an <c>SshHost</c> vs
/// <c>scp x.tar.gz</c> + <c>ssh docker load -i</c> vs <c>cat x.tar.gz | ssh docker load</c> (the reference tools
/// share one ControlMaster connection, as our host does). Locally: <c>LoadAsync(stream)</c> (stdin streaming) and
/// <c>LoadAsync(path)</c> vs <c>docker load -i</c>, the floor. Subjects run interleaved; the image is removed
/// (untimed) before every run. <c>DEPLOY_BENCH_DOCKER_RUNS</c> sets the rounds (default 5).
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
        var runs = int.TryParse(Environment.GetEnvironmentVariable("DEPLOY_BENCH_DOCKER_RUNS"), out var r) ? r : 5;
        var mb = size / 1_000_000;
        try
        {
            await using var server = await SshServer.StartAsync();
            var control = Path.Combine(server.Directory, "bm");
            string[] ssh =
            [
                "-F", "/dev/null", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "User=" + server.User,
                "-i", server.IdentityFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + server.KnownHostsFile,
                "-o", "StrictHostKeyChecking=yes", "-o", "Compression=no", "-o", "ControlPath=" + control,
            ];
            string[] scp = [.. ssh.Select(a => a == "-p" ? "-P" : a)];
            await host.RunAsync(CommandSpec.Of(["ssh", .. ssh, "-o", "ControlMaster=yes", "-o", "ControlPersist=600", "-f", "-N", "127.0.0.1"])).ThrowOnFailure();
            await using var remote = server.CreateHost();
            var remoteEngine = new DockerEngine(remote);
            var remoteCopy = temp.Combine("remote-copy.tar.gz");
            await harness.MeasureInterleavedAsync("docker", $"load {mb} MB .tar.gz over ssh",
            [
                ("Deploy SDK", async () => Check(await remoteEngine.LoadAsync(archive), reference), null),
                ("scp + ssh docker load -i", async () =>
                {
                    await host.RunAsync(CommandSpec.Of(["scp", "-q", .. scp, archive, "127.0.0.1:" + remoteCopy])).ThrowOnFailure();
                    await host.RunAsync(CommandSpec.Of(["ssh", .. ssh, "127.0.0.1", $"docker load -i '{remoteCopy}' >/dev/null && rm -f '{remoteCopy}'"])).ThrowOnFailure();
                }, null),
                ("cat | ssh docker load", () => host.RunScriptAsync("f=$1; shift; cat \"$f\" | ssh \"$@\" 127.0.0.1 'docker load >/dev/null'", [archive, .. ssh]).ThrowOnFailure(), null),
            ], Remove, runs);
            await host.RunAsync(CommandSpec.Of(["ssh", .. ssh, "-O", "exit", "127.0.0.1"]));

            await harness.MeasureInterleavedAsync("docker", $"load {mb} MB .tar.gz local",
            [
                ("Deploy SDK", async () =>
                {
                    await using var file = File.OpenRead(archive);
                    Check(await engine.LoadAsync(file, archive, file.Length), reference);
                }, null),
                ("Deploy SDK (path: docker load -i)", async () => Check(await engine.LoadAsync(archive), reference), null),
                ("docker load -i", () => host.RunAsync(CommandSpec.Of("docker", "load", "-i", archive)).ThrowOnFailure(), null),
            ], Remove, runs);
        }
        finally
        {
            await Remove();
        }
    }

    private static void Check(LoadResult result, string reference)
    {
        if (!result.References.Contains(reference))
        {
            throw new InvalidOperationException("LoadAsync did not report " + reference);
        }
    }
}
