using System.CommandLine;
using Deploy.Cli.Output;
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
        var listFiles = new Option<bool>("--files") { Description = "List every file to transfer with its reason" };
        var plan = new Command("plan", "Show what `apply` would do, with a reason for every step (nothing changes)") { file, initial, verify, components, listFiles };
        AddAll(plan, targets);
        plan.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var doc = await TargetYaml.LoadAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var planOptions = PlanOptions(parse, initial, verify, components);
            var plans = new List<string>();
            var texts = new System.Text.StringBuilder();
            foreach (var host in await targets.OpenAsync(parse, doc, ct).ConfigureAwait(false))
            {
                await using (host.ConfigureAwait(false))
                {
                    var applier = await SequenceApplier.ForHostAsync(host, doc.Definition, parse.GetValue(targets.Services), Options(), cancellationToken: ct).ConfigureAwait(false);
                    var p = await applier.PlanAsync(await DesiredTarget.ScanAsync(doc.Definition, ct).ConfigureAwait(false), planOptions, ct).ConfigureAwait(false);
                    plans.Add($"{{\"host\": {System.Text.Json.JsonSerializer.Serialize(host.Name)}, \"plan\": {p.ToJson()}}}");
                    texts.Append((host is LocalHost ? "" : $"[{host.Name}] ") + p.ToText(parse.GetValue(listFiles) || planOptions.Verify));
                }
            }

            CliOutput.Current.ResultJson("{\"plans\": [" + string.Join(", ", plans) + "]}", texts.ToString());
            return 0;
        }));

        var breakLock = new Option<bool>("--break-stale-lock") { Description = "Take over a lock whose holder process is provably gone" };
        var apply = new Command("apply", "Bring the target to the YAML's desired state (resumes an interrupted apply first)") { file, initial, verify, components, breakLock };
        AddAll(apply, targets);
        apply.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var doc = await TargetYaml.LoadAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            var options = new ApplyOptions
            {
                Plan = PlanOptions(parse, initial, verify, components),
                BreakStaleLock = parse.GetValue(breakLock),
                Observer = PauseAtStepObserver.FromEnvironment(),
            };
            var results = new List<object>();
            try
            {
                foreach (var host in await targets.OpenAsync(parse, doc, ct).ConfigureAwait(false))
                {
                    await using (host.ConfigureAwait(false))
                    {
                        var applier = await SequenceApplier.ForHostAsync(host, doc.Definition, parse.GetValue(targets.Services), Options(), cancellationToken: ct).ConfigureAwait(false);
                        results.Add(await ApplyAsync(applier, host, doc.Definition, options, ct).ConfigureAwait(false));
                    }
                }
            }
            finally
            {
                CliOutput.Current.Result(new { Target = doc.Definition.Name, Hosts = results }, "");
            }

            return 0;
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
    public static Task<object> ApplyAsync(IHost host, TargetDefinition target, ApplyOptions options, CancellationToken ct)
        => ApplyAsync(SequenceApplier.ForHost(host, target, Options()), host, target, options, ct);

    /// <summary>Applies with the output mode's progress view and prints the summary; returns the host's JSON entry.
    /// Components that failed with ErrorHandling=Component make it throw (and the command fail).</summary>
    private static async Task<object> ApplyAsync(SequenceApplier applier, IHost host, TargetDefinition target, ApplyOptions options, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await ProgressViews.SequenceAsync($"apply {target.Name}{(host is LocalHost ? "" : " on " + host.Name)}", p => applier.ApplyAsync(target, options, p, ct)).ConfigureAwait(false);
        var summary = $"Applied {target.Name}{(host is LocalHost ? "" : " on " + host.Name)}: {result.Plan.Steps.Count} steps, {result.FilesTransferred} files ({result.BytesTransferred} bytes) transferred, {result.ServiceActions.Count} service actions in {started.Elapsed.TotalMilliseconds:0} ms{(result.Resumed is null ? "" : " (an interrupted apply was completed first)")}";
        if (!CliOutput.Current.Json)
        {
            CliOutput.Current.Result(summary, summary); // the summary is the result in text mode, even when quiet
        }

        result.ThrowOnFailure();
        return new
        {
            Host = host.Name,
            Steps = result.Plan.Steps.Count,
            result.FilesTransferred,
            result.BytesTransferred,
            ServiceActions = result.ServiceActions.Count,
            Resumed = result.Resumed is not null,
            DurationMs = (long)started.Elapsed.TotalMilliseconds,
        };
    }

    private static SequenceApplierOptions Options()
        => new() { StateCacheDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "deploy-sdk", "state-cache") };
}
