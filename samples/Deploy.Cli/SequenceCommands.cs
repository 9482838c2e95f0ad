using System.CommandLine;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Cli;

/// <summary>
/// `deploy plan target.yaml` (dry run) and `deploy apply target.yaml`: the exOS-style deployment sequence, on the
/// local machine, an SSH host or inventory hosts (see <see cref="SequenceTargets"/>), with `--verify` (drift check)
/// and `--components a,b` (selective apply).
/// </summary>
internal static class SequenceCommands
{
    public static IEnumerable<Command> Create()
    {
        var file = new Argument<string>("target") { Description = "The target YAML file (see TargetYaml)" };
        var targets = new SequenceTargets();
        var initial = new Option<bool>("--initial-start") { Description = "The target restarted: restart every component except RestartEvent=Ignore" };
        var verify = new Option<bool>("--verify") { Description = "List the deployed files on the target first: files edited or deleted there by hand are sent again" };
        var components = new Option<string?>("--components") { Description = "Apply only these components (comma-separated); the others are left exactly as they are" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON" };
        var listFiles = new Option<bool>("--files") { Description = "List every file to transfer with its reason" };
        var plan = new Command("plan", "Show what `apply` would do, with a reason for every step (nothing changes)") { file, initial, verify, components, json, listFiles };
        AddAll(plan, targets);
        plan.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var doc = await TargetYaml.LoadAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var planOptions = PlanOptions(parse, initial, verify, components);
            foreach (var host in await targets.OpenAsync(parse, doc, ct).ConfigureAwait(false))
            {
                await using (host.ConfigureAwait(false))
                {
                    var applier = await SequenceApplier.ForHostAsync(host, doc.Definition, parse.GetValue(targets.Services), Options(), cancellationToken: ct).ConfigureAwait(false);
                    var p = await applier.PlanAsync(await DesiredTarget.ScanAsync(doc.Definition, ct).ConfigureAwait(false), planOptions, ct).ConfigureAwait(false);
                    Console.Write(parse.GetValue(json) ? p.ToJson(indented: true) + Environment.NewLine : (host is LocalHost ? "" : $"[{host.Name}] ") + p.ToText(parse.GetValue(listFiles) || planOptions.Verify));
                }
            }

            return 0;
        }));

        var breakLock = new Option<bool>("--break-stale-lock") { Description = "Take over a lock whose holder process is provably gone" };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary" };
        var apply = new Command("apply", "Bring the target to the YAML's desired state (resumes an interrupted apply first)") { file, initial, verify, components, breakLock, quiet };
        AddAll(apply, targets);
        apply.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var doc = await TargetYaml.LoadAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var options = new ApplyOptions
            {
                Plan = PlanOptions(parse, initial, verify, components),
                BreakStaleLock = parse.GetValue(breakLock),
                Observer = PauseAtStepObserver.FromEnvironment(),
            };
            var failed = 0;
            foreach (var host in await targets.OpenAsync(parse, doc, ct).ConfigureAwait(false))
            {
                await using (host.ConfigureAwait(false))
                {
                    var applier = await SequenceApplier.ForHostAsync(host, doc.Definition, parse.GetValue(targets.Services), Options(), cancellationToken: ct).ConfigureAwait(false);
                    failed += await ApplyAsync(applier, host, doc.Definition, options, parse.GetValue(quiet), ct).ConfigureAwait(false) is null ? 1 : 0;
                }
            }

            return failed == 0 ? 0 : 1;
        }));
        return [plan, apply];
    }

    private static void AddAll(Command command, SequenceTargets targets)
    {
        foreach (var option in targets.All)
        {
            command.Options.Add(option);
        }
    }

    private static PlanOptions PlanOptions(ParseResult parse, Option<bool> initial, Option<bool> verify, Option<string?> components) => new()
    {
        InitialStart = parse.GetValue(initial),
        Verify = parse.GetValue(verify),
        Components = parse.GetValue(components) is { } list ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : null,
    };

    /// <summary>Applies and prints progress; shared with the demo.</summary>
    public static Task<ApplyResult?> ApplyAsync(IHost host, TargetDefinition target, ApplyOptions options, bool quiet, CancellationToken ct)
        => ApplyAsync(SequenceApplier.ForHost(host, target, Options()), host, target, options, quiet, ct);

    private static async Task<ApplyResult?> ApplyAsync(SequenceApplier applier, IHost host, TargetDefinition target, ApplyOptions options, bool quiet, CancellationToken ct)
    {
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
        Console.WriteLine($"Applied {target.Name}{(host is LocalHost ? "" : " on " + host.Name)}: {result.Plan.Steps.Count} steps, {result.FilesTransferred} files ({result.BytesTransferred} bytes) transferred, {result.ServiceActions.Count} service actions in {started.Elapsed.TotalMilliseconds:0} ms{(result.Resumed is null ? "" : " (an interrupted apply was completed first)")}");
        return result.ThrowOnFailure(); // components that failed with ErrorHandling=Component make the command fail
    }

    private static SequenceApplierOptions Options()
        => new() { StateCacheDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "deploy-sdk", "state-cache") };
}
