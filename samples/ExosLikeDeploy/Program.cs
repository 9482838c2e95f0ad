using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;

// The exOS deployment sequence end to end on a LocalHost whose FILES are rooted in a temp directory. The service
// COMMANDS are not sandboxed: they run on this machine as this user. This sample's own commands write below
// "$DEPLOY_ROOT" (the temp directory); a real exOS package's commands (cp belt.js /home/user/belt, dpkg -i ...)
// would change this machine, so deploy those to a real or isolated host.
// 1. first deploy of exos/target.yaml (one component imported from a real-format .exospkg);
// 2. worked example 1: types.py changes (ChangeEvent=Restart) -> only Types restarts;
// 3. worked example 2: exos-data.conf changes on DataConnection (RestartEvent=Target, StartupTimeout 2 s)
//    -> the whole target restarts, the others' runtime services start after the timeout;
// 4. a no-op apply; 5. cleanup by applying a target without components (stop, remove, delete).
var work = Path.Combine(Path.GetTempPath(), "exos-like-" + Guid.NewGuid().ToString("N")[..8]);
var source = Path.Combine(work, "exos");
CopyTree(Path.Combine(AppContext.BaseDirectory, "exos"), source);
await using var host = LocalHost.Rooted(Path.Combine(work, "target"));
var yaml = Path.Combine(source, "target.yaml");
Console.WriteLine($"Files go below {host.RootDirectory}. Service commands are NOT sandboxed: they run on this machine as {Environment.UserName}; this sample's commands write only below $DEPLOY_ROOT.");
try
{
    await Step("1. first deploy", (await TargetYaml.LoadAsync(yaml)).Definition);
    File.WriteAllText(Path.Combine(source, "Types/Linux/types.py"), "import time\nprint(\"types v2 with more\")\n");
    await Step("2. types.py changed (ChangeEvent=Restart)", (await TargetYaml.LoadAsync(yaml)).Definition);
    File.WriteAllText(Path.Combine(source, "DataConnection/exos-data.conf"), "loglevel=debug\n");
    await Step("3. exos-data.conf changed (RestartEvent=Target, StartupTimeout=2s)", (await TargetYaml.LoadAsync(yaml)).Definition);
    await Step("4. nothing changed", (await TargetYaml.LoadAsync(yaml)).Definition);
    Console.WriteLine($"/etc/exos-data.conf on the target: {File.ReadAllText(host.MapPath("/etc/exos-data.conf")).Trim()}");
}
finally
{
    await Step("5. cleanup: no components", (await TargetYaml.LoadAsync(yaml)).Definition with { Components = [] });
    Directory.Delete(work, recursive: true);
}

return 0;

async Task Step(string title, TargetDefinition target)
{
    Console.WriteLine($"== {title}");
    var applier = SequenceApplier.ForHost(host, target);
    var desired = await DesiredTarget.ScanAsync(target);
    var plan = await applier.PlanAsync(desired);
    Console.Write(plan.ToText());
    var result = (await applier.ApplyAsync(desired)).ThrowOnFailure();
    Console.WriteLine($"   applied: {result.FilesTransferred} files, service actions: {string.Join(" | ", result.ServiceActions)}");
}

static void CopyTree(string from, string to)
{
    foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
    {
        var dest = Path.Combine(to, Path.GetRelativePath(from, f));
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        File.Copy(f, dest);
    }
}
