using System.CommandLine;
using System.Globalization;
using Deploy.Cli.Output;
using Deploy.Core.Fleet;
using Deploy.Core.Inventory;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Signing;

namespace Deploy.Cli;

/// <summary>
/// `deploy agent push -i inventory.yaml --version V`: the server side of the mega client's upgrade. Each host runs the
/// same update as `deploy agent pull` (AgentUpdater), driven over SSH: the feed is read and verified here, the release
/// is staged, hooked, switched, restarted and health-checked on the host; staged cohorts with a failure budget.
/// `deploy agent status -i` reads each host's recorded state back.
/// </summary>
internal static class AgentPushCommands
{
    public static Command Push()
    {
        var inventory = new Option<string>("--inventory", "-i") { Description = "Inventory YAML file", Required = true };
        var hosts = new Option<string?>("--hosts", "-H") { Description = "Host pattern (default all)" };
        var feed = new Option<string>("--feed") { Description = "The feed's URL (read by this machine)", Required = true };
        var app = new Option<string>("--app") { Description = "The app folder on the hosts (current, releases/, .deploy/)", Required = true };
        var trust = new Option<string[]>("--trust") { Description = "The feed's public key (PEM); repeatable", Required = true };
        var version = new Option<string>("--version") { Description = "The version to push", Required = true };
        var channel = new Option<string>("--channel") { Description = "The channel", DefaultValueFactory = _ => "stable" };
        var cohorts = new Option<string>("--cohorts") { Description = "Cumulative stages: counts or percentages of the fleet", DefaultValueFactory = _ => "1,10%,50%,100%" };
        var maxFailures = new Option<int>("--max-failures") { Description = "Halt when more than N hosts failed; later cohorts stay untouched", DefaultValueFactory = _ => 0 };
        var parallel = new Option<int>("--parallel", "-p") { Description = "Hosts updating at once within a cohort", DefaultValueFactory = _ => 10 };
        var restart = new Option<string?>("--restart") { Description = "The restart command on the host (sh -c, run in current); default: the release's tools/restart" };
        var healthUrl = new Option<string?>("--health-url") { Description = "Health endpoint per host, {address} and {name} replaced, e.g. http://{address}:8080/health" };
        var healthCmd = new Option<string?>("--health-cmd") { Description = "Health command on the host (sh -c, run in current)" };
        var window = new Option<int>("--window") { Description = "The commit window in seconds", DefaultValueFactory = _ => 30 };
        var busy = new Option<string?>("--busy-cmd") { Description = "Busy hook on the host (sh -c, run in current)" };
        var command = new Command("push", "Push a version to an inventory's hosts over SSH: staged cohorts, failure budget, per-host status")
        {
            inventory, hosts, feed, app, trust, version, channel, cohorts, maxFailures, parallel, restart, healthUrl, healthCmd, window, busy,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var keys = new List<TrustedKey>();
            foreach (var path in parse.GetValue(trust)!)
            {
                keys.Add(await TrustedKey.LoadAsync(path, ct).ConfigureAwait(false));
            }

            var seconds = TimeSpan.FromSeconds(parse.GetValue(window));
            var options = new AgentPushOptions
            {
                Update = new AgentUpdateOptions
                {
                    Feed = AgentCommands.Url(parse.GetValue(feed)!, "--feed"),
                    AppDirectory = parse.GetValue(app)!,
                    TrustedKeys = keys,
                    Channel = parse.GetValue(channel)!,
                    RestartCommand = parse.GetValue(restart) is { } r ? AgentCommands.Sh(r) : null,
                    HealthCheck = parse.GetValue(healthCmd) is { } cmd ? AgentHealthCheck.Run(AgentCommands.Sh(cmd), seconds) : new AgentHealthCheck { Window = seconds },
                    BusyCommand = parse.GetValue(busy) is { } b ? AgentCommands.Sh(b) : null,
                },
                Version = parse.GetValue(version)!,
                HealthUrl = parse.GetValue(healthUrl),
                Cohorts = parse.GetValue(cohorts)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FleetBatchSize.Parse).ToList(),
                MaxFailures = parse.GetValue(maxFailures),
                MaxParallelism = parse.GetValue(parallel),
            };
            if (options.HealthUrl is null && parse.GetValue(healthCmd) is null)
            {
                options = options with { Update = options.Update with { HealthCheck = null } };
            }

            var inv = await FleetCommands.LoadAsync(parse.GetValue(inventory), ct).ConfigureAwait(false);
            await using var fleet = HostFleet.FromInventory(inv, FleetCommands.Pattern(inv, parse.GetValue(hosts)), new InventoryHostFactory());
            Console.WriteLine($"Pushing {options.Version} to {fleet.Targets.Count} host(s): cohorts {string.Join(", ", options.Cohorts)} ({string.Join(" + ", HostFleet.PlanCohorts(fleet.Targets.Count, options.Cohorts))} hosts), failure budget {options.MaxFailures}");
            var result = await ProgressViews.FleetAsync($"push {options.Version}", progress => AgentPush.PushAsync(fleet, options, progress, null, ct)).ConfigureAwait(false);
            var width = result.Hosts.Max(h => h.Name.Length);
            foreach (var host in result.Hosts)
            {
                var what = host.Value is { } v ? $"{v.Outcome.Kind}: {v.Outcome.Message}" : host.Error is { } e ? e.Message : "not run (left untouched)";
                Console.WriteLine($"{host.Name.PadRight(width)}  {host.Status,-9} {what}");
            }

            Console.WriteLine($"{result.Succeeded.Count} updated or up to date, {result.Failed.Count} failed, {result.NotRun.Count} not run, {result.Duration.TotalSeconds:0.0} s");
            if (result.Aborted)
            {
                Console.WriteLine($"Rollout halted: {result.AbortReason}");
            }

            CliOutput.Current.Result(
                new
                {
                    options.Version,
                    Hosts = result.Hosts.Select(h => new { h.Name, h.Status, Outcome = h.Value?.Outcome.Kind, Message = h.Value?.Outcome.Message ?? h.Error?.Message }),
                    Succeeded = result.Succeeded.Count, Failed = result.Failed.Count, NotRun = result.NotRun.Count, result.Aborted, result.AbortReason,
                },
                "");
            return result.AllSucceeded ? 0 : 3;
        }));
        return command;
    }

    /// <summary>`deploy agent status -i`: each host's version and last outcome.</summary>
    public static async Task<int> FleetStatusAsync(string inventoryPath, string? pattern, string app, CancellationToken ct)
    {
        var inv = await FleetCommands.LoadAsync(inventoryPath, ct).ConfigureAwait(false);
        await using var fleet = HostFleet.FromInventory(inv, FleetCommands.Pattern(inv, pattern), new InventoryHostFactory());
        var result = await AgentPush.StatusAsync(fleet, app, cancellationToken: ct).ConfigureAwait(false);
        var width = result.Hosts.Max(h => h.Name.Length);
        foreach (var host in result.Hosts)
        {
            if (host.Value is not { } s)
            {
                Console.WriteLine($"{host.Name.PadRight(width)}  unreadable: {host.Error?.Message}");
                continue;
            }

            var last = s.LastOutcome is { } o ? string.Create(CultureInfo.InvariantCulture, $"{o.Kind} {o.Version} at {o.At:u}: {o.Message}") : "no run yet";
            var bad = s.BadVersions.Count == 0 ? "" : $" (bad: {string.Join(", ", s.BadVersions.Select(b => b.Version))})";
            Console.WriteLine($"{host.Name.PadRight(width)}  {s.CurrentVersion ?? "nothing",-12} {last}{bad}");
        }

        CliOutput.Current.Result(result.Hosts.Select(h => new { h.Name, State = h.Value, Error = h.Value is null ? h.Error?.Message : null }).ToList(), "");

        return result.AllSucceeded ? 0 : 1;
    }
}
