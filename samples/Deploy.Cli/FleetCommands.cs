using System.CommandLine;
using System.Globalization;
using Deploy.Cli.Output;
using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;

namespace Deploy.Cli;

/// <summary>
/// `deploy run`: run one command on many hosts of an inventory (bounded parallelism, rolling batches, a failure
/// budget), and `deploy hosts`: show what a host pattern selects and each host's effective variables.
/// Without --inventory both work on the embedded default: the `local` host.
/// </summary>
internal static class FleetCommands
{
    public static IEnumerable<Command> Create() => [CreateRun(), CreateHosts()];

    private static Option<string?> InventoryOption() => new("--inventory", "-i") { Description = "Inventory YAML file (default: only the local host)" };

    private static Option<string?> HostsOption() => new("--hosts", "-H") { Description = "Host pattern: host, group, all, label selector (role=web), globs; ':' unions, '&' intersects, '!' excludes" };

    private static Command CreateRun()
    {
        var inventory = InventoryOption();
        var hosts = HostsOption();
        var parallel = new Option<int>("--parallel", "-p") { Description = "Hosts running at once", DefaultValueFactory = _ => 10 };
        var batch = new Option<string[]>("--batch", "-b") { Description = "Rolling batch sizes, a count or a percentage (repeat: --batch 1 --batch 25%; the last repeats)", AllowMultipleArgumentsPerToken = true };
        var maxFail = new Option<double?>("--max-fail-percent") { Description = "Abort the rollout when more than this percentage of a batch fails" };
        var failFast = new Option<bool>("--fail-fast") { Description = "Cancel everything at the first failure" };
        var timeout = new Option<double?>("--timeout") { Description = "Time limit per host, in seconds" };
        var argv = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("run", "Run a command on every selected host of an inventory") { inventory, hosts, parallel, batch, maxFail, failFast, timeout, argv };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var options = new FleetOptions
            {
                MaxParallelism = parse.GetValue(parallel),
                FailureMode = parse.GetValue(failFast) ? FleetFailureMode.FailFast : FleetFailureMode.Continue,
                BatchSizes = (parse.GetValue(batch) ?? []).Select(FleetBatchSize.Parse).ToList(),
                MaxFailurePercentage = parse.GetValue(maxFail),
                HostTimeout = parse.GetValue(timeout) is { } s ? TimeSpan.FromSeconds(s) : null,
            };
            if (options.MaxParallelism < 1 || options.MaxFailurePercentage is < 0 or > 100)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "--parallel must be at least 1 and --max-fail-percent between 0 and 100.");
            }

            return await RunAsync(parse.GetValue(inventory), parse.GetValue(hosts), options, parse.GetValue(argv)!, ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command CreateHosts()
    {
        var inventory = InventoryOption();
        var hosts = HostsOption();
        var command = new Command("hosts", "List the hosts a pattern selects, with their connection, groups and variables") { inventory, hosts };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var inv = await LoadAsync(parse.GetValue(inventory), ct).ConfigureAwait(false);
            var selected = inv.Select(Pattern(inv, parse.GetValue(hosts)));
            CliOutput.Current.Result(
                selected.Select(h => new { h.Name, Connection = h.Connection.ToString().ToLowerInvariant(), h.Address, h.Port, h.User, h.RootDirectory, Groups = inv.GroupsOf(h.Name).Select(g => g.Name), Vars = inv.ResolveVars(h.Name) }).ToList(),
                "");
            foreach (var host in selected)
            {
                var where = host.Connection == HostConnection.Local
                    ? "local" + (host.RootDirectory is null ? "" : $" (root {host.RootDirectory})")
                    : $"ssh {(host.User is null ? "" : host.User + "@")}{host.Address}{(host.Port is null ? "" : ":" + host.Port.Value.ToString(CultureInfo.InvariantCulture))}";
                Console.WriteLine($"{host.Name}  {where}");
                var groups = inv.GroupsOf(host.Name).Select(g => g.Name).ToList();
                if (groups.Count > 0)
                {
                    Console.WriteLine($"  groups: {string.Join(", ", groups)}");
                }

                foreach (var (k, v) in inv.ResolveVars(host.Name).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    Console.WriteLine($"  {k} = {v}");
                }
            }

            return 0;
        }));
        return command;
    }

    private static async Task<int> RunAsync(string? inventoryPath, string? pattern, FleetOptions options, string[] argv, CancellationToken ct)
    {
        var inventory = await LoadAsync(inventoryPath, ct).ConfigureAwait(false);
        var factory = new InventoryHostFactory();
        await using var fleet = HostFleet.FromInventory(inventory, Pattern(inventory, pattern), factory, options);
        Console.WriteLine($"Running {CommandLine.Join(argv)} on {fleet.Targets.Count} host(s), {options.MaxParallelism} at a time"
            + (options.BatchSizes.Count > 0 ? $", batches of {string.Join(" then ", options.BatchSizes)}" : ""));

        var result = await ProgressViews.FleetAsync($"run {CommandLine.Join(argv)}", p => fleet.RunCommandAsync(CommandSpec.Of(argv), p, ct)).ConfigureAwait(false);
        var width = result.Hosts.Max(h => h.Name.Length);
        var text = new System.Text.StringBuilder("\n");
        foreach (var host in result.Hosts)
        {
            var exit = host.Value?.ExitCode ?? (host.Error as DeployException)?.ExitCode;
            text.Append(CultureInfo.InvariantCulture, $"{host.Name.PadRight(width)}  {Status(host.Status),-9} {(exit is null ? "" : $"exit {exit}"),-8} {host.Duration.TotalMilliseconds,8:0} ms\n");
            var output = host.Value?.StandardOutput ?? (host.Status == FleetHostStatus.Failed ? host.Error?.Message : null);
            foreach (var line in (output ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(20))
            {
                text.Append(CultureInfo.InvariantCulture, $"    {line.TrimEnd('\r')}\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{result.Succeeded.Count} succeeded, {result.Failed.Count} failed, {result.Cancelled.Count} cancelled, {result.NotRun.Count} not run, in {result.BatchCount} batch(es), {result.Duration.TotalSeconds:0.00} s\n");
        if (result.Aborted)
        {
            text.Append(CultureInfo.InvariantCulture, $"Rollout aborted: {result.AbortReason}\n");
        }

        CliOutput.Current.Result(
            new
            {
                Hosts = result.Hosts.Select(h => new { h.Name, Status = Status(h.Status), ExitCode = h.Value?.ExitCode ?? (h.Error as DeployException)?.ExitCode, DurationMs = (long)h.Duration.TotalMilliseconds, Output = h.Value?.StandardOutput, Error = h.Value is null ? h.Error?.Message : null }),
                Succeeded = result.Succeeded.Count, Failed = result.Failed.Count, Cancelled = result.Cancelled.Count, NotRun = result.NotRun.Count,
                Batches = result.BatchCount, result.Aborted, result.AbortReason,
            },
            text.ToString());
        return result.AllSucceeded ? 0 : 1;
    }

    internal static async Task<HostInventory> LoadAsync(string? path, CancellationToken ct) =>
        path is null ? HostInventory.LocalOnly() : await HostInventory.LoadAsync(path, ct).ConfigureAwait(false);

    internal static string Pattern(HostInventory inventory, string? pattern) =>
        pattern ?? (inventory.Hosts.All(h => h.IsImplicit) ? HostInventory.LocalHostName : HostInventory.AllGroupName);

    private static string Status(FleetHostStatus status) => status switch
    {
        FleetHostStatus.Succeeded => "ok",
        FleetHostStatus.Failed => "FAILED",
        FleetHostStatus.Cancelled => "cancelled",
        _ => "not run",
    };
}
