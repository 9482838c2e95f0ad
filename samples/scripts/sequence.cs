#!/usr/bin/env -S dotnet run
// The exOS-style deployment sequence as a script: a target with two components, deployed to a sandboxed local
// host; one file changes and only its component restarts; a second apply is a no-op.
// Run: dotnet pack -o ../../artifacts (once, at the repository root), then: dotnet run sequence.cs
#:package Deploy.Core@0.1.0
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;

var work = Directory.CreateTempSubdirectory("deploy-script-sequence-").FullName;
await using var host = LocalHost.Rooted(Path.Combine(work, "target"));
try
{
    Directory.CreateDirectory(Path.Combine(work, "src"));
    File.WriteAllText(Path.Combine(work, "src", "api.conf"), "port=8080\n");
    File.WriteAllText(Path.Combine(work, "src", "types.py"), "print('types v1')\n");
    // Service commands run on this machine (files are sandboxed, commands are not): they stay below $DEPLOY_ROOT.
    TargetDefinition Target() => TargetBuilder.Create("plc1")
        .WithStateDirectory("/var/lib/plc1")
        .AddComponent("Api", c => c.AddFile(Path.Combine(work, "src", "api.conf"), "/opt/api/api.conf").Runtime("sleep 300"))
        .AddComponent("Types", c => c.AddFile(Path.Combine(work, "src", "types.py"), "/opt/types/types.py").Runtime("sleep 300"))
        .Build();

    async Task ApplyAsync(string title)
    {
        var target = Target();
        var applier = SequenceApplier.ForHost(host, target);
        var result = (await applier.ApplyAsync(await DesiredTarget.ScanAsync(target))).ThrowOnFailure();
        Console.WriteLine($"{title}: {result.FilesTransferred} files; {(result.ServiceActions.Count == 0 ? "no service actions" : string.Join(" | ", result.ServiceActions))}");
    }

    await ApplyAsync("first deploy");
    File.WriteAllText(Path.Combine(work, "src", "types.py"), "print('types v2')\n");
    await ApplyAsync("types.py changed");
    await ApplyAsync("nothing changed");
    var empty = Target() with { Components = [] };
    await SequenceApplier.ForHost(host, empty).ApplyAsync(await DesiredTarget.ScanAsync(empty));
    Console.WriteLine("removed: every service stopped, every file deleted");
}
finally
{
    Directory.Delete(work, recursive: true);
}
