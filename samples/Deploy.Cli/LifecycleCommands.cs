using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Deploy.Cli.Output;
using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Precheck;

namespace Deploy.Cli;

/// <summary>
/// The product lifecycle verbs, after laipvt's: `precheck`, `install`, `upgrade`, `delete`, `rollback`, `reset`,
/// `apptest`, `status`, `history` (see <see cref="LifecycleEngine"/>). Each takes `-i inventory.yaml -f PKG`; the
/// changing verbs take `--dry-run` (the plan with a reason per step); every verb takes `--output json` (see
/// <see cref="CliOutput"/>). `install` runs the precheck
/// first: a failed strict check stops it (`--skip-precheck` to go on anyway).
/// </summary>
internal static class LifecycleCommands
{
    public static IEnumerable<Command> Create() =>
        [Precheck(), Change(LifecycleOperation.Install), Change(LifecycleOperation.Upgrade), Change(LifecycleOperation.Delete), Change(LifecycleOperation.Rollback), Resume(), Reset(), AppTest(), History("history"), History("status"), .. LifecycleActionCommands.Create()];

    private static Command Precheck()
    {
        var options = new LifecycleOptions();
        var output = new Option<string?>("--out-dir") { Description = "Where check_result.yaml and scheduled.yaml are written (default: the current folder)" };
        var command = new Command("precheck", "Check every host in parallel (reachable, os_release, CPU, memory, disk, ports, clock, commands); writes check_result.yaml and scheduled.yaml") { output };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var result = await RunPrecheckAsync(session, ct).ConfigureAwait(false);
            await PrecheckRunner.WriteFilesAsync(parse.GetValue(output) ?? Directory.GetCurrentDirectory(), result, ct).ConfigureAwait(false);
            return result.Blocking ? 1 : 0;
        }));
        return command;
    }

    private static async Task<CheckResult> RunPrecheckAsync(LifecycleSession session, CancellationToken ct)
    {
        var result = await session.Engine.PrecheckAsync(session.Input, cancellationToken: ct).ConfigureAwait(false);
        var output = CliOutput.Current;
        if (output.Json)
        {
            output.ResultJson(JsonSerializer.Serialize(new { result.Blocking, Outcomes = result.Outcomes }, JsonOptions), "");
        }
        else
        {
            output.Result(result, result.ToYaml());
        }

        PrintPrecheck(result);
        return result;
    }

    private static void PrintPrecheck(CheckResult result) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"precheck: {result.Outcomes.Count(o => o.Status == CheckStatus.Pass)} passed, {result.Warnings.Count} warnings, {result.Failures.Count} failed{(result.Blocking ? " (blocking)" : "")}"));

    private static Command Change(LifecycleOperation operation)
    {
        var options = new LifecycleOptions(packageRequired: operation != LifecycleOperation.Rollback);
        var name = operation.ToString().ToLowerInvariant();
        var services = new Option<string?>("--services") { Description = "Only these services (comma-separated folder names); dependencies as the product orders them" };
        var third = new Option<string?>("--third") { Description = "Add-on services to install too (comma-separated)" };
        var parallel = new Option<int>("--parallel", "--optimize") { Description = "Services of a wave handled at once", DefaultValueFactory = _ => 1 };
        var autoTest = new Option<bool>("--auto-test") { Description = "Run the touched services' tests afterwards; a failure rolls the operation back" };
        var takeNew = new Option<bool>("--take-new") { Description = "Settle config conflicts with the package's version (the edit on the host is lost)" };
        var keepLive = new Option<bool>("--keep-live") { Description = "Settle config conflicts with the live file on the host" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan with a reason per step; change nothing" };
        var skipPrecheck = new Option<bool>("--skip-precheck") { Description = "Do not precheck the hosts that get new services (a failed strict check stops the run otherwise)" };
        var revision = new Argument<int?>("revision") { Description = "rollback: the release to return to (default: the one before the current)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(name, Describe(operation)) { services, parallel, dryRun };
        options.AddTo(command);
        switch (operation)
        {
            case LifecycleOperation.Install:
                command.Options.Add(third);
                command.Options.Add(autoTest);
                command.Options.Add(skipPrecheck);
                break;
            case LifecycleOperation.Upgrade:
                command.Options.Add(autoTest);
                command.Options.Add(takeNew);
                command.Options.Add(keepLive);
                break;
            case LifecycleOperation.Rollback:
                command.Arguments.Add(revision);
                break;
        }

        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            if (parse.GetValue(takeNew) && parse.GetValue(keepLive))
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "Give --take-new or --keep-live, not both.");
            }

            var request = new LifecycleRequest(operation)
            {
                Services = List(parse.GetValue(services)),
                AddOns = List(parse.GetValue(third)),
                Parallel = parse.GetValue(parallel) is var p && p >= 1 ? p : throw new DeployException(DeployErrorCode.InvalidArgument, "--parallel must be at least 1."),
                AutoTest = parse.GetValue(autoTest),
                Revision = parse.GetValue(revision),
                Conflicts = parse.GetValue(takeNew) ? ConflictResolution.TakeNew : parse.GetValue(keepLive) ? ConflictResolution.KeepLive : null,
            };
            var output = CliOutput.Current;
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct, parse.GetValue(revision)).ConfigureAwait(false);
            if (parse.GetValue(dryRun))
            {
                var plan = await session.Engine.PlanAsync(session.Input, request, ct).ConfigureAwait(false);
                await KubernetesSession.PrintImagesPlanAsync(session, ct).ConfigureAwait(false);
                output.ResultJson(plan.ToJson(), plan.ToText());
                return 0;
            }

            // The engine prechecks every host that gets a service it does not run yet (a failed strict check stops
            // the run before any change); --skip-precheck turns that off.
            var run = parse.GetValue(skipPrecheck) ? request with { Precheck = null } : request;
            var result = await ProgressViews.LifecycleAsync($"{name} {session.Input.Product.Name} {session.Input.Product.Version}", p => session.Engine.RunAsync(session.Input, run, p, ct)).ConfigureAwait(false);
            if (result.Precheck is { } check)
            {
                PrintPrecheck(check);
            }

            foreach (var left in result.LeftOver)
            {
                Console.Error.WriteLine($"left over: {left.Service} on {left.Host}: {left.What}");
            }

            {
                output.ResultJson(result.Release.ToJson(), $"release {result.Release.Number}: {name} {result.Release.Product} {result.Release.Version} {result.Release.Outcome.ToString().ToLowerInvariant()}{(result.Resumed ? " (an interrupted run was completed)" : "")}; touched: {(result.Release.Touched.Count == 0 ? "nothing" : string.Join(", ", result.Release.Touched))}");
            }

            return result.Tests is { Passed: false } ? 1 : 0;
        }));
        return command;
    }

    private static Command Resume()
    {
        var options = new LifecycleOptions();
        var command = new Command("resume", "Finish an operation that was interrupted (killed, cancelled, connection lost): completed steps are skipped");
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var journal = await session.Backend.Journal.ReadAsync<LifecycleJournal>(LifecycleEngine.JournalKind, ct).ConfigureAwait(false);
            if (journal is null)
            {
                CliOutput.Current.Result(new { Resumed = false }, $"{session.Input.Product.Name}: nothing to resume (no interrupted operation on {session.Backend.Hosts[0]}).");
                return 0;
            }

            var interrupted = journal.Payload;
            if (interrupted.Plan.Version != session.Input.Product.Version.ToString())
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"The interrupted {interrupted.Plan.Operation.ToString().ToLowerInvariant()} (release {interrupted.Number}, started by {interrupted.User}@{interrupted.Machine} at {interrupted.Started:u}) is of version {interrupted.Plan.Version}; give that version's package with -f (this one is {session.Input.Product.Version}).") { Path = "package" };
            }

            CliOutput.Current.Line($"resuming {interrupted.Plan.Operation.ToString().ToLowerInvariant()} {interrupted.Plan.Version} (release {interrupted.Number}), started by {interrupted.User}@{interrupted.Machine} at {interrupted.Started:u}; {interrupted.Done.Count} step(s) done");
            var request = new LifecycleRequest(interrupted.Plan.Operation) { Parallel = interrupted.Plan.Parallel, AutoTest = interrupted.Plan.AutoTest };
            var result = await ProgressViews.LifecycleAsync($"resume {interrupted.Plan.Operation.ToString().ToLowerInvariant()} {interrupted.Plan.Version}", p => session.Engine.RunAsync(session.Input, request, p, ct)).ConfigureAwait(false);
            CliOutput.Current.ResultJson(result.Release.ToJson(), $"release {result.Release.Number}: {result.Release.Operation.ToString().ToLowerInvariant()} {result.Release.Version} {result.Release.Outcome.ToString().ToLowerInvariant()}");
            return result.Tests is { Passed: false } ? 1 : 0;
        }));
        return command;
    }

    private static Command Reset()
    {
        var options = new LifecycleOptions();
        var confirm = new Option<string?>("--confirm") { Description = "The product's name: reset wipes middleware and database data" };
        var dryRun = new Option<bool>("--dry-run") { Description = "List exactly what would be wiped; change nothing" };
        var services = new Option<string?>("--services") { Description = "Only these services (comma-separated)" };
        var command = new Command("reset", "Wipe middleware and database data and re-run the services' init (needs --confirm <product>)") { confirm, dryRun, services };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var plan = await ProgressViews.LifecycleAsync($"reset {session.Input.Product.Name}", p => session.Engine.ResetAsync(session.Input, parse.GetValue(confirm), parse.GetValue(dryRun), List(parse.GetValue(services)), p, ct)).ConfigureAwait(false);
            CliOutput.Current.ResultJson(JsonSerializer.Serialize(plan, JsonOptions), plan.ToText());
            return 0;
        }));
        return command;
    }

    private static Command AppTest()
    {
        var options = new LifecycleOptions();
        var services = new Option<string?>("--services") { Description = "Only these services (comma-separated)" };
        var output = new Option<string?>("--out-dir") { Description = "Where apptest-junit.xml and apptest-summary.txt are written (default: the current folder)" };
        var command = new Command("apptest", "Run the services' bundled tests on their hosts; JUnit XML and a summary; exit code 0 only when all pass") { services, output };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var report = await ProgressViews.LifecycleAsync($"apptest {session.Input.Product.Name}", p => session.Engine.AppTestAsync(session.Input, List(parse.GetValue(services)), parse.GetValue(output) ?? Directory.GetCurrentDirectory(), p, ct)).ConfigureAwait(false);
            CliOutput.Current.Result(report, report.ToSummary());
            return report.Passed ? 0 : 1;
        }));
        return command;
    }

    private static Command History(string name)
    {
        var options = new LifecycleOptions();
        var command = new Command(name, name == "status" ? "The current release: version, services and their hosts (read from the hosts)" : "Every release recorded on the hosts: number, operation, version, who, when, outcome");
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var history = await session.Engine.HistoryAsync(ct).ConfigureAwait(false);
            var output = CliOutput.Current;
            if (name == "status")
            {
                var current = history.Current;
                output.ResultJson(current?.ToJson() ?? "null", current is null ? $"{session.Input.Product.Name}: not installed" : Status(current));
                return 0;
            }

            output.ResultJson("[" + string.Join(",", history.Releases.Select(r => r.ToJson())) + "]", History(history));
            return 0;
        }));
        return command;
    }

    private static string Status(Deploy.Core.Lifecycle.Releases.ReleaseRecord r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Product} {r.Version}: release {r.Number} ({r.Operation.ToString().ToLowerInvariant()}, {r.Outcome.ToString().ToLowerInvariant()}, {r.Finished:u} by {r.User}@{r.Machine})\n")
        + string.Join("\n", r.Services.Select(s => $"  {s.Name,-16} {s.Version,-10} {s.Digest[..Math.Min(12, s.Digest.Length)]}  on {string.Join(", ", s.Hosts)}"));

    private static string History(Deploy.Core.Lifecycle.Releases.ReleaseHistory h) => h.Releases.Count == 0 ? "no releases recorded" :
        "REV  OPERATION  VERSION     OUTCOME      FINISHED              BY\n" + string.Join("\n", h.Releases.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Number,-4} {r.Operation.ToString().ToLowerInvariant(),-10} {r.Version,-11} {r.Outcome.ToString().ToLowerInvariant(),-12} {r.Finished:u}  {r.User}@{r.Machine}{(r.Message is null ? "" : "  " + r.Message)}")));

    internal static IReadOnlyList<string> List(string? csv) => csv?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string Describe(LifecycleOperation operation) => operation switch
    {
        LifecycleOperation.Install => "Install the product (all services or --services) in dependency order; records a release on the hosts",
        LifecycleOperation.Upgrade => "Upgrade the services whose content changed; configs are three-way merged (edits on the hosts survive; conflicts stop at plan time)",
        LifecycleOperation.Delete => "Remove the product's services (all or --services) in reverse dependency order",
        _ => "Return to an earlier release: its version, configs and services",
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
}
