using System.CommandLine;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;

namespace Deploy.Cli;

/// <summary>
/// `deploy demo sequence` (`deploy demo` itself is the <see cref="LifecycleDemo"/>). Deploys a small app to /opt/demo-app on a LocalHost rooted in a temp
/// directory (no servers, no root) through the deployment-sequence engine: shows the plan, applies it (install,
/// startup, runtime service), changes one file and shows the incremental redeploy, then a no-op apply.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the sandbox directory afterwards and print its path" };
        var sequence = new Command("sequence", "Deploy a small app to a local host whose files are rooted in a temp directory (commands are not sandboxed) with the deployment sequence, then redeploy one changed file") { keep };
        sequence.SetAction((parse, ct) => CliErrors.RunAsync(parse, () => RunAsync(parse.GetValue(keep), ct)));
        var command = new Command("demo", "The product lifecycle on three local hosts whose files live in temp folders (commands run on this machine): package, precheck, install, apptest, upgrade keeping a user edit, history, rollback") { keep, sequence };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, () => LifecycleDemo.RunAsync(parse.GetValue(keep), ct)));
        return command;
    }

    private static async Task<int> RunAsync(bool keep, CancellationToken ct)
    {
        var sandbox = Path.Combine(Path.GetTempPath(), "deploy-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var source = Path.Combine(sandbox, "_source");
        await using var host = LocalHost.Rooted(Path.Combine(sandbox, "target"));
        TargetDefinition Target() => TargetBuilder.Create("demo")
            .WithConfiguration("logLevel", "info")
            .AddComponent("demo-app", c => c
                .AddFile(Path.Combine(source, "bin"), "/opt/demo-app/bin", ChangeEvent.Reinstall)
                .AddFile(Path.Combine(source, "conf", "app.conf"), "/opt/demo-app/conf/app.conf", ChangeEvent.Restart)
                .Install("chmod +x bin/service.sh", "/opt/demo-app")
                .Startup("sh bin/service.sh 世界", "/opt/demo-app")
                .Runtime("exec sleep 3600", "/opt/demo-app"))
            .Build();
        try
        {
            WriteDemoApp(source);
            var os = await host.GetOsReleaseAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"Target: {host.Name} (sandbox {host.RootDirectory}), OS {os.PrettyName}");

            await ShowAndApplyAsync(host, Target(), "first deploy", ct).ConfigureAwait(false);
            Console.WriteLine($"  service said: {File.ReadAllText(host.MapPath("/opt/demo-app/service.log")).Trim()}");

            File.WriteAllText(Path.Combine(source, "conf", "app.conf"), "greeting=\"hello again\"\nlog_level=debug\n");
            await ShowAndApplyAsync(host, Target(), "app.conf changed (ChangeEvent=Restart)", ct).ConfigureAwait(false);
            Console.WriteLine($"  service said: {File.ReadAllText(host.MapPath("/opt/demo-app/service.log")).Trim()}");

            await ShowAndApplyAsync(host, Target(), "nothing changed", ct).ConfigureAwait(false);
            Deploy.Cli.Output.CliOutput.Current.Result(new { Demo = "sequence", Applies = 3 }, "Demo finished: deployed, redeployed one file incrementally, and a no-op apply did nothing.");
            return 0;
        }
        finally
        {
            // Stop the runtime service and remove the component: applying a target without components.
            await SequenceApplier.ForHost(host, Target() with { Components = [] })
                .ApplyAsync(await DesiredTarget.ScanAsync(Target() with { Components = [] }, CancellationToken.None).ConfigureAwait(false), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (keep)
            {
                Console.WriteLine($"Sandbox kept at {sandbox}");
            }
            else
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }
    }

    private static async Task ShowAndApplyAsync(IHost host, TargetDefinition target, string title, CancellationToken ct)
    {
        Console.WriteLine($"== {title}: plan");
        var plan = await SequenceApplier.ForHost(host, target).PlanAsync(await DesiredTarget.ScanAsync(target, ct).ConfigureAwait(false), cancellationToken: ct).ConfigureAwait(false);
        Console.Write(plan.ToText());
        Console.WriteLine($"== {title}: apply");
        await SequenceCommands.ApplyAsync(host, target, new ApplyOptions(), ct).ConfigureAwait(false);
    }

    private static void WriteDemoApp(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(dir, "conf"));
        File.WriteAllText(Path.Combine(dir, "conf", "app.conf"), "greeting=hello\nlog_level=info\n");
        File.WriteAllText(Path.Combine(dir, "bin", "service.sh"), """
            #!/bin/sh
            set -eu
            . ./conf/app.conf
            echo "$greeting, $1 (log level $log_level)" > service.log
            """.Replace("\r", ""));
    }
}
