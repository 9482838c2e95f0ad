// The seed procedure, end to end on the local Docker engine:
//   1. an image archive console-web-v4-pvt-4.1.76383.tar.gz is uploaded to <deployment>/image
//   2. .systemconfig records the new version, 3. docker-compose.service.yml gets the new tag,
//   4. ./deploy.sh restart, 5. docker ps -a shows the new image.
// Here ImageUpdate does 1-5 in one call, verifies the container runs the new image ID, and would roll back otherwise.
// Needs: a running dockerd, docker-compose (v1) or the docker compose plugin, /bin/busybox (busybox-static).
using Deploy.Core.Hosts;
using Deploy.Docker.Archives;
using Deploy.Docker.Updates;
using Microsoft.Extensions.Logging;

var keep = args.Contains("--keep");
var id = Guid.NewGuid().ToString("N")[..6];
var work = Path.Combine(Path.GetTempPath(), "console-image-update-" + id);
var deployment = Path.Combine(work, "console", "consolev4pvt-4.1.150431");
var project = "consolev4pvt" + id;
var oldRef = "encoo/console-web-v4-pvt:4.1.150431";
var newRef = "encoo/console-web-v4-pvt:4.1.76383";
await using var host = new LocalHost();
using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));

async Task Sh(string script, params string[] arguments)
    => await host.RunScriptAsync(script, arguments).ThrowOnFailure();

try
{
    Console.WriteLine($"Deployment: {deployment}");
    Directory.CreateDirectory(Path.Combine(deployment, "image"));
    Directory.CreateDirectory(Path.Combine(work, "rootfs", "bin"));
    await Sh("""
        set -e
        cp /bin/busybox "$1/rootfs/bin/busybox"
        for a in sh sleep; do ln -sf busybox "$1/rootfs/bin/$a"; done
        tar -C "$1/rootfs" -cf "$1/rootfs.tar" .
        docker import --change 'CMD ["sleep","3600"]' "$1/rootfs.tar" "$2" >/dev/null
        """, work, oldRef);

    // The deployment as installed: new layout (docker-compose.service.yml), .systemconfig, deploy.sh.
    File.WriteAllText(Path.Combine(deployment, "docker-compose.service.yml"), $"""
        version: "2.4"
        services:
          console-web:
            image: {oldRef}
            network_mode: none
            restart: always

        """);
    File.WriteAllText(Path.Combine(deployment, ".systemconfig"), "# 控制台系统配置\nCONSOLE_WEB_VERSION=4.1.150431\nDEPLOY_PATH=/console/consolev4pvt-4.1.150431\n");
    File.WriteAllText(Path.Combine(deployment, "deploy.sh"), $$"""
        #!/bin/sh
        # ./deploy.sh restart: removes all containers and recreates them from the yml
        set -e
        cd "$(dirname "$0")"
        set -a; . ./.systemconfig; set +a
        docker-compose -p {{project}} -f docker-compose.service.yml down
        docker-compose -p {{project}} -f docker-compose.service.yml up -d

        """);
    File.SetUnixFileMode(Path.Combine(deployment, "deploy.sh"), (UnixFileMode)0b111_101_101);
    await Sh("cd \"$1\" && ./deploy.sh restart", deployment);
    Console.WriteLine($"Console running on {oldRef}.");

    // Step 1: the new image arrives as a gzipped docker save archive in <deployment>/image.
    var archive = Path.Combine(deployment, "image", "console-web-v4-pvt-4.1.76383.tar.gz");
    await Sh("""
        set -e
        docker import --change 'CMD ["sleep","3600"]' "$1/rootfs.tar" "$2" >/dev/null
        docker save "$2" | gzip -1 > "$3"
        docker rmi "$2" >/dev/null
        """, work, newRef, archive);
    var content = await ImageArchive.ReadAsync(archive);
    Console.WriteLine($"Archive holds {string.Join(", ", content.References)} ({content.Images[0].ImageId[..19]}, {content.Images[0].LayerCount} layer(s), {content.Images[0].Size / 1024} KiB), read without loading it.");

    // Steps 1b-5 in one verified call.
    var update = new ImageUpdate(host, new ImageUpdateOptions
    {
        Directory = deployment,
        Archives = [archive],
        RestartScript = "deploy.sh",
        SettleTime = TimeSpan.FromSeconds(3),
    }, logging.CreateLogger<ImageUpdate>());
    var plan = await update.PlanAsync();
    Console.WriteLine();
    Console.Write(plan.ToText());
    Console.WriteLine();
    var result = await update.ApplyAsync(plan, new Progress<Deploy.Core.Operations.OperationProgress>(p => Console.WriteLine("  " + p.Message)));
    foreach (var (service, container) in result.Containers.Select(c => (c.Service, c.Container)))
    {
        Console.WriteLine($"Verified: {service} ({container}) runs {newRef}.");
    }

    // Step 5 of the manual procedure: docker ps -a, IMAGE column.
    var ps = await host.RunAsync(CommandSpec.Of("docker", "ps", "-a", "--filter", $"label=com.docker.compose.project={project}", "--format", "table {{.Names}}\t{{.Image}}\t{{.Status}}"));
    Console.WriteLine(ps.StandardOutput);
    Console.WriteLine(File.ReadAllText(Path.Combine(deployment, ".systemconfig")));
    return 0;
}
finally
{
    await host.RunScriptAsync("""
        ids=$(docker ps -aq --filter "label=com.docker.compose.project=$1"); [ -z "$ids" ] || docker rm -f $ids >/dev/null
        docker rmi "$2" "$3" >/dev/null 2>&1 || true
        """, [project, oldRef, newRef]);
    if (keep)
    {
        Console.WriteLine($"Kept {work}");
    }
    else
    {
        Directory.Delete(work, recursive: true);
    }
}
