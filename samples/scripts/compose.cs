#!/usr/bin/env -S dotnet run
// Compose-host image update as a script: a compose project runs web:1.0 (the tag in .env, as many projects keep it);
// a `docker save` archive of web:1.1 arrives; ImageUpdate loads it, edits the tag byte-exact, restarts with compose,
// verifies the container runs the new image ID, and would roll everything back otherwise.
// Needs a running dockerd, docker-compose (or the compose plugin) and /bin/busybox (busybox-static).
// Run: dotnet pack -o ../../artifacts (once, at the repository root), then: dotnet run compose.cs
#:package Deploy.Docker@0.1.0
using Deploy.Core.Hosts;
using Deploy.Docker.Updates;

var id = Guid.NewGuid().ToString("N")[..6];
var work = Directory.CreateTempSubdirectory("deploy-script-compose-").FullName;
var (oldRef, newRef) = ($"deploy-script/web{id}:1.0", $"deploy-script/web{id}:1.1");
await using var host = new LocalHost();
try
{
    // An image from busybox (no registry here), the project, and the archive of the new version.
    await host.RunScriptAsync("""
        set -e
        mkdir -p "$1/rootfs/bin" && cp /bin/busybox "$1/rootfs/bin/" && ln -s busybox "$1/rootfs/bin/sleep"
        tar -C "$1/rootfs" -cf "$1/rootfs.tar" .
        docker import --change 'CMD ["sleep","3600"]' "$1/rootfs.tar" "$2" >/dev/null
        docker import --change 'CMD ["sleep","3600"]' "$1/rootfs.tar" "$3" >/dev/null
        docker save "$3" | gzip -1 > "$1/web-1.1.tar.gz" && docker rmi "$3" >/dev/null
        """, [work, oldRef, newRef]).ThrowOnFailure();
    var project = Path.Combine(work, "app");
    Directory.CreateDirectory(project);
    File.WriteAllText(Path.Combine(project, ".env"), $"WEB_TAG={oldRef.Split(':')[1]}\n");
    File.WriteAllText(Path.Combine(project, "docker-compose.yml"), $"services:\n  web:\n    image: {oldRef.Split(':')[0]}:${{WEB_TAG}}\n    network_mode: none\n");
    await host.RunScriptAsync("cd \"$1\" && (docker compose version >/dev/null 2>&1 && docker compose -p \"$2\" up -d || docker-compose -p \"$2\" up -d)", [project, "web" + id]).ThrowOnFailure();

    var update = new ImageUpdate(host, new ImageUpdateOptions { Directory = project, Archives = [Path.Combine(work, "web-1.1.tar.gz")], SettleTime = TimeSpan.FromSeconds(2) });
    var plan = await update.PlanAsync();
    Console.Write(plan.ToText());
    var result = await update.ApplyAsync(plan);
    foreach (var c in result.Containers)
    {
        Console.WriteLine($"verified: {c.Service} runs {newRef}");
    }

    Console.WriteLine($".env now: {File.ReadAllText(Path.Combine(project, ".env")).Trim()}");
}
finally
{
    await host.RunScriptAsync("""
        ids=$(docker ps -aq --filter "label=com.docker.compose.project=$1"); [ -z "$ids" ] || docker rm -f $ids >/dev/null
        docker rmi "$2" "$3" >/dev/null 2>&1 || true
        """, ["web" + id, oldRef, newRef]);
    Directory.Delete(work, recursive: true);
}
