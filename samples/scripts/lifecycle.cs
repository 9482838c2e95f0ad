#!/usr/bin/env -S dotnet run
// The product lifecycle (laipvt's verbs) as a script, on two sandboxed local hosts (each a folder standing for its
// root; the services are real processes on this machine): install, an operator's edit on a host, an upgrade of one
// service that keeps the edit, history read from the hosts, rollback, delete.
// Run: dotnet pack -o ../../artifacts (once, at the repository root), then: dotnet run lifecycle.cs
#:package Deploy.Core@0.1.0
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;

var work = Directory.CreateTempSubdirectory("deploy-script-lifecycle-").FullName;
var inventoryFile = Path.Combine(work, "inventory.yaml");
File.WriteAllText(inventoryFile, $"hosts:\n  node-1: {{ connection: local, root: \"{work}/node-1\", labels: {{ role: app }} }}\n");
var inventory = await HostInventory.LoadAsync(inventoryFile);
await using var node = LocalHost.Rooted(Path.Combine(work, "node-1"));
await using var backend = new HostsBackend("notes", new Dictionary<string, (IHost, RenderHost)> { ["node-1"] = (node, new RenderHost("node-1", "127.0.0.1")) });
var engine = new LifecycleEngine(backend);

async Task<LifecycleInput> ProductAsync(string version, string timeoutLine)
{
    var dir = Path.Combine(work, "product-" + version, "api");
    Directory.CreateDirectory(Path.Combine(dir, "app"));
    var os = await new LocalHost().GetOsReleaseAsync();
    File.WriteAllText(Path.Combine(dir, "..", "product.yaml"), $"name: notes\nversion: {version}\ntarget: hosts\nosRelease: {os.Id}\nvalues: {{ base_dir: /opt/notes }}\n");
    File.WriteAllText(Path.Combine(dir, "app", "run.sh"), "#!/bin/sh\n. ./app.conf\necho \"$$ workers=$workers\" > status\nexec sleep 86400\n");
    File.WriteAllText(Path.Combine(dir, "app.conf.tpl"), $"# api on {{{{ host.name }}}}\nworkers=2\nname=api\nlog=info\n{timeoutLine}");
    File.WriteAllText(Path.Combine(dir, "service.yaml"), $$$"""
        kind: app
        version: {{{version}}}
        placement: { roles: [app] }
        configs: [ { source: app.conf.tpl, target: "{{ base_dir }}/api/app.conf" } ]
        component:
          files: [ { source: app, target: "{{ base_dir }}/api/app" } ]
          services: [ { type: Runtime, command: "exec sh app/run.sh", workingDirectory: "{{ base_dir }}/api" } ]

        """);
    var product = await ProductLoader.LoadAsync(Path.GetDirectoryName(dir)!);
    return new LifecycleInput(product, Scheduler.CreateDefault(product, inventory));
}

try
{
    var v1 = await ProductAsync("1.0.0", "");
    var installed = await engine.RunAsync(v1, new LifecycleRequest(LifecycleOperation.Install));
    Console.WriteLine($"release {installed.Release.Number}: install {installed.Release.Version} {installed.Release.Outcome}");

    var conf = node.MapPath("/opt/notes/api/app.conf");
    File.WriteAllText(conf, File.ReadAllText(conf).Replace("workers=2", "workers=8"));   // an operator's edit on the host

    var v2 = await ProductAsync("1.1.0", "timeout=30\n");
    var upgrade = new LifecycleRequest(LifecycleOperation.Upgrade);
    Console.Write((await engine.PlanAsync(v2, upgrade)).ToText());
    var upgraded = await engine.RunAsync(v2, upgrade);
    Console.WriteLine($"release {upgraded.Release.Number}: upgrade to {upgraded.Release.Version}; app.conf keeps the edit and gains the new line: {File.ReadAllText(conf).Contains("workers=8") && File.ReadAllText(conf).Contains("timeout=30")}");

    var back = await engine.RunAsync(v1, new LifecycleRequest(LifecycleOperation.Rollback) { Revision = installed.Release.Number });
    Console.WriteLine($"release {back.Release.Number}: rollback to {back.Release.Version}");
    foreach (var r in (await engine.HistoryAsync()).Releases)
    {
        Console.WriteLine($"  history {r.Number}: {r.Operation} {r.Version} {r.Outcome}");
    }

    await engine.RunAsync(v1, new LifecycleRequest(LifecycleOperation.Delete));
    Console.WriteLine($"deleted: app.conf gone: {!File.Exists(conf)}");
}
finally
{
    Directory.Delete(work, recursive: true);
}
