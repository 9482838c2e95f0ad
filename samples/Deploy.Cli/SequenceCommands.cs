using System.CommandLine;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence;

namespace Deploy.Cli;

/// <summary>`deploy plan target.yaml` (dry run) and `deploy apply target.yaml`: the exOS-style deployment sequence.</summary>
internal static class SequenceCommands
{
    public static IEnumerable<Command> Create()
    {
        var file = new Argument<string>("target") { Description = "The target YAML file (see TargetYaml)" };
        var root = new Option<string?>("--root") { Description = "Deploy into this sandbox directory on the local machine (overrides host.local.root)" };
        var initial = new Option<bool>("--initial-start") { Description = "The target restarted: restart every component except RestartEvent=Ignore" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON" };
        var listFiles = new Option<bool>("--files") { Description = "List every file to transfer with its reason" };
        var plan = new Command("plan", "Show what `apply` would do, with a reason for every step (nothing changes)") { file, root, initial, json, listFiles };
        plan.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var (doc, host) = Open(parse.GetValue(file)!, parse.GetValue(root));
            await using (host.ConfigureAwait(false))
            {
                var applier = SequenceApplier.ForHost(host, doc.Definition, Options());
                var p = await applier.PlanAsync(await DesiredTarget.ScanAsync(doc.Definition, ct).ConfigureAwait(false), new PlanOptions { InitialStart = parse.GetValue(initial) }, ct).ConfigureAwait(false);
                Console.Write(parse.GetValue(json) ? p.ToJson(indented: true) + Environment.NewLine : p.ToText(parse.GetValue(listFiles)));
                return 0;
            }
        }));

        var breakLock = new Option<bool>("--break-stale-lock") { Description = "Take over a lock whose holder process is provably gone" };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary" };
        var apply = new Command("apply", "Bring the target to the YAML's desired state (resumes an interrupted apply first)") { file, root, initial, breakLock, quiet };
        apply.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var (doc, host) = Open(parse.GetValue(file)!, parse.GetValue(root));
            await using (host.ConfigureAwait(false))
            {
                var result = await ApplyAsync(host, doc.Definition, new ApplyOptions { Plan = new PlanOptions { InitialStart = parse.GetValue(initial) }, BreakStaleLock = parse.GetValue(breakLock) }, parse.GetValue(quiet), ct).ConfigureAwait(false);
                return result is null ? 1 : 0;
            }
        }));
        return [plan, apply];
    }

    /// <summary>Applies and prints progress; shared with the demo.</summary>
    public static async Task<ApplyResult?> ApplyAsync(IHost host, TargetDefinition target, ApplyOptions options, bool quiet, CancellationToken ct)
    {
        var applier = SequenceApplier.ForHost(host, target, Options());
        var progress = new SyncProgress<SequenceProgress>(e =>
        {
            if (quiet)
            {
                return;
            }

            switch (e.Kind)
            {
                case SequenceEventKind.StepStarted:
                    Console.WriteLine($"  {e.Message}  -- {e.Step!.Reason}");
                    break;
                case SequenceEventKind.Resuming or SequenceEventKind.Warning or SequenceEventKind.UpToDate:
                    Console.WriteLine($"  {e.Message}");
                    break;
            }
        });
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await applier.ApplyAsync(target, options, progress, ct).ConfigureAwait(false);
        Console.WriteLine($"Applied {target.Name}: {result.Plan.Steps.Count} steps, {result.FilesTransferred} files ({result.BytesTransferred} bytes) transferred, {result.ServiceActions.Count} service actions in {started.Elapsed.TotalMilliseconds:0} ms{(result.Resumed is null ? "" : " (an interrupted apply was completed first)")}");
        return result;
    }

    private static SequenceApplierOptions Options()
        => new() { StateCacheDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "deploy-sdk", "state-cache") };

    private static (TargetDocument Doc, IHost Host) Open(string file, string? root)
    {
        var doc = TargetYaml.Load(file);
        var sandbox = root ?? doc.Host?.LocalRoot;
        IHost host = sandbox is null ? new LocalHost() : LocalHost.Rooted(Path.GetFullPath(sandbox));
        return (doc, host);
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
