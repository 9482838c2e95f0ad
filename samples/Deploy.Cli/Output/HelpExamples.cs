using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Deploy.Cli.Output;

/// <summary>
/// Examples for every verb, shown by <c>deploy VERB --help</c> after the usual help (kubectl-style): the help option's
/// action is wrapped, so the examples do not crowd the parent's command list. Keyed by the verb's path below the root.
/// </summary>
internal static class HelpExamples
{
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["demo"] = ["deploy demo", "deploy demo --keep"],
        ["demo sequence"] = ["deploy demo sequence"],
        ["package build"] = ["deploy package build ./build --out-dir dist", "deploy package build ./build --sign publisher.key --out-dir dist"],
        ["package verify"] = ["deploy package verify dist/rdb.tar.gz --trust publisher.pub", "deploy package verify dist/rdb.tar.gz -o json"],
        ["package inspect"] = ["deploy package inspect dist/rdb.tar.gz"],
        ["package extract"] = ["deploy package extract dist/rdb.tar.gz /tmp/rdb --trust publisher.pub"],
        ["package install"] = ["deploy package install rdb.tar.gz -f", "deploy package install rdb.tar.gz --host db-1 -i hosts.yaml", "deploy package install rdb.tar.gz --root /tmp/sandbox"],
        ["package keygen"] = ["deploy package keygen publisher"],
        ["package product"] = ["deploy package product samples/PrivateDeploy/product --out-dir dist"],
        ["docker plan"] = ["deploy docker plan --dir /console/consolev4pvt-4.1 images.tar.gz --host root@10.0.0.5"],
        ["docker update"] = ["deploy docker update --dir /console/consolev4pvt-4.1 images.tar.gz --restart-script deploy.sh"],
        ["run"] = ["deploy run -i hosts.yaml -H web -- systemctl is-active nginx", "deploy run -i hosts.yaml --batch 1 --batch 25% --max-fail-percent 10 -- ./upgrade.sh"],
        ["hosts"] = ["deploy hosts -i hosts.yaml -H 'role=web&!dc2'"],
        ["plan"] = ["deploy plan target.yaml", "deploy plan target.yaml --verify --files", "deploy plan target.yaml -o json"],
        ["apply"] = ["deploy apply target.yaml", "deploy apply target.yaml --components web --initial-start", "deploy apply target.yaml -i hosts.yaml -H plc"],
        ["precheck"] = ["deploy precheck -i inventory.yaml -f shop-1.0.0.tar.gz", "deploy precheck -i inventory.yaml -f shop-1.0.0.tar.gz --out-dir checks -o json"],
        ["install"] = ["deploy install -i inventory.yaml -f shop-1.0.0.tar.gz --parallel 3 --auto-test", "deploy install -i inventory.yaml -f shop-1.0.0.tar.gz --services api,web --dry-run", "deploy install --kubeconfig ~/.kube/config --context prod -f shop-1.0.0.tar.gz"],
        ["upgrade"] = ["deploy upgrade -i inventory.yaml -f shop-1.1.0.tar.gz --auto-test", "deploy upgrade -i inventory.yaml -f shop-1.1.0.tar.gz --services api --keep-live"],
        ["delete"] = ["deploy delete -i inventory.yaml -f shop-1.1.0.tar.gz --services web", "deploy delete -i inventory.yaml -f shop-1.1.0.tar.gz"],
        ["rollback"] = ["deploy rollback -i inventory.yaml --product shop", "deploy rollback 2 -i inventory.yaml -f shop-1.0.0.tar.gz"],
        ["resume"] = ["deploy resume -i inventory.yaml -f shop-1.1.0.tar.gz"],
        ["reset"] = ["deploy reset -i inventory.yaml -f shop-1.1.0.tar.gz --dry-run", "deploy reset -i inventory.yaml -f shop-1.1.0.tar.gz --confirm shop"],
        ["apptest"] = ["deploy apptest -i inventory.yaml -f shop-1.1.0.tar.gz --out-dir reports", "deploy apptest -i inventory.yaml -f shop-1.1.0.tar.gz --services api"],
        ["history"] = ["deploy history -i inventory.yaml -f shop-1.1.0.tar.gz", "deploy history -i inventory.yaml -f shop-1.1.0.tar.gz -o json"],
        ["status"] = ["deploy status -i inventory.yaml -f shop-1.1.0.tar.gz"],
        ["schedule apply"] = ["deploy schedule apply -c scheduled.yaml -i inventory.yaml -f shop-1.1.0.tar.gz --dry-run"],
        ["middleware"] = ["deploy middleware --action reset --middleware redis --confirm shop -i inventory.yaml -f shop-1.1.0.tar.gz"],
        ["component"] = ["deploy component --action configmap --services license -i inventory.yaml -f shop-1.1.0.tar.gz", "deploy component --action restart --services api -i inventory.yaml -f shop-1.1.0.tar.gz"],
        ["agent publish"] = ["deploy agent publish agent-2.0.0.tar.gz --version 2.0.0 --feed /srv/feed --key feed.key"],
        ["agent pull"] = ["deploy agent pull --feed http://10.0.0.1/feed --app /opt/agent --trust feed.pub --health-url http://127.0.0.1:8080/health --jitter 300"],
        ["agent status"] = ["deploy agent status --app /opt/agent", "deploy agent status -i hosts.yaml --app /opt/agent -o json"],
        ["agent push"] = ["deploy agent push -i hosts.yaml --feed http://10.0.0.1/feed --trust feed.pub --app /opt/agent --version 2.0.0 --cohorts 1,10%,50%,100% --max-failures 2"],
    };

    /// <summary>Makes <c>--help</c> print the verb's examples after the help text.</summary>
    public static void AddTo(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new WithExamples((HelpAction)help.Action!);
    }

    /// <summary>The verbs (commands with an action) that have no examples.</summary>
    public static IReadOnlyList<string> Missing(RootCommand root) => [.. Leaves(root, "").Where(l => !Examples.ContainsKey(l.Path)).Select(l => l.Path)];

    private static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c && c.Command is not RootCommand; r = c.Parent)
        {
            names.Insert(0, c.Command.Name);
        }

        return string.Join(' ', names);
    }

    private sealed class WithExamples(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var code = inner.Invoke(parseResult);
            if (Examples.TryGetValue(PathOf(parseResult.CommandResult), out var lines))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in lines)
                {
                    output.WriteLine("  " + line);
                }

                output.WriteLine();
            }

            return code;
        }
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
            if (sub.Action is not null)
            {
                yield return (path, sub);
            }

            foreach (var leaf in Leaves(sub, path))
            {
                yield return leaf;
            }
        }
    }
}
