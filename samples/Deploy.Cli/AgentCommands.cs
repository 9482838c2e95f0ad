using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Deploy.Cli.Output;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Signing;

namespace Deploy.Cli;

/// <summary>
/// `deploy agent publish|pull|push|status`: the mega client's upgrade on the SDK. `publish` adds a package to a feed
/// directory and re-signs its index; `pull` is one check (and update) of an app, run by a timer for agents in any
/// language; `push` drives the same update on an inventory's hosts over SSH (AgentPushCommands); `status` shows what
/// an app runs and how its last update ended, here or (with -i) on every host.
/// </summary>
internal static class AgentCommands
{
    public static Command Create()
    {
        var agent = new Command("agent", "Self-upgrading agents: publish to a signed feed, pull an update, show status");
        agent.Subcommands.Add(Publish());
        agent.Subcommands.Add(Pull());
        agent.Subcommands.Add(AgentPushCommands.Push());
        agent.Subcommands.Add(Status());
        return agent;
    }

    private static Command Publish()
    {
        var package = new Argument<string?>("package") { Description = "The package (deploy package build); omit to re-sign the index only", Arity = ArgumentArity.ZeroOrOne };
        var feed = new Option<string>("--feed") { Description = "The feed directory (serve it with any HTTP server)", Required = true };
        var key = new Option<string>("--key") { Description = "The feed's ECDSA P-256 private key (PEM)", Required = true };
        var version = new Option<string?>("--version") { Description = "The package's version (SemVer), required with a package" };
        var channel = new Option<string>("--channel") { Description = "The channel", DefaultValueFactory = _ => "stable" };
        var minFrom = new Option<string?>("--min-from") { Description = "The oldest installed version that may upgrade straight to this one" };
        var days = new Option<int>("--valid-days") { Description = "How many days agents believe the index", DefaultValueFactory = _ => 7 };
        var announce = new Option<string?>("--announce-key") { Description = "Announce this new private key's public half, signed by --key (rotation; the old key is retired)" };
        var deltas = new Option<int>("--deltas") { Description = "Build delta packages against the last N versions of the channel (0: none)", DefaultValueFactory = _ => 3 };
        var command = new Command("publish", "Add a package to a feed and re-sign its index (next serial, fresh expiry)") { package, feed, key, version, channel, minFrom, days, announce, deltas };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            using var signing = await LoadKeyAsync(parse.GetValue(key)!, ct).ConfigureAwait(false);
            var publisher = new FeedPublisher(new FeedPublishOptions { FeedDirectory = parse.GetValue(feed)!, SigningKey = signing, Validity = TimeSpan.FromDays(parse.GetValue(days)), Deltas = parse.GetValue(deltas) });
            if (parse.GetValue(announce) is { } next)
            {
                using var nextKey = await LoadKeyAsync(next, ct).ConfigureAwait(false);
                var a = await publisher.AnnounceKeyAsync(nextKey, retireOld: true, ct).ConfigureAwait(false);
                CliOutput.Current.Result(new { Announced = a.KeyId, Retires = a.Replaces }, $"announced key {a.KeyId} (retires {a.Replaces}); sign the next publishes with it");
                return 0;
            }

            FeedIndex index;
            if (parse.GetValue(package) is { } path)
            {
                var v = parse.GetValue(version) ?? throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.InvalidArgument, "--version is required when publishing a package.") { Path = "--version" };
                index = await publisher.PublishAsync(path, v, parse.GetValue(channel)!, parse.GetValue(minFrom), ct).ConfigureAwait(false);
            }
            else
            {
                index = await publisher.ResignAsync(ct).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"index serial {index.Serial}, expires {index.Expires:u}, {index.Packages.Count} packages"));
            foreach (var p in index.Packages)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Channel,-8} {p.Version,-12} {p.Size,12} {p.Sha256[..12]} {p.File}{(p.MinimumFrom is null ? "" : " (from " + p.MinimumFrom + ")")}"));
                foreach (var d in p.Deltas ?? [])
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"",-8} {"  delta",-12} {d.Size,12} {d.Sha256[..12]} {d.File} (from {d.BaseVersion})"));
                }
            }

            CliOutput.Current.Result(new { index.Serial, index.Expires, Packages = index.Packages.Select(p => new { p.Channel, p.Version, p.Size, p.Sha256, p.File, p.MinimumFrom }) }, "");

            return 0;
        }));
        return command;
    }

    private static Command Pull()
    {
        var feed = new Option<string>("--feed") { Description = "The feed's URL", Required = true };
        var app = new Option<string>("--app") { Description = "The app folder (current, releases/, .deploy/)", Required = true };
        var trust = new Option<string[]>("--trust") { Description = "The feed's public key (PEM); repeatable", Required = true };
        var channel = new Option<string>("--channel") { Description = "The channel followed", DefaultValueFactory = _ => "stable" };
        var version = new Option<string?>("--version") { Description = "Install this version instead of the newest eligible one" };
        var restart = new Option<string?>("--restart") { Description = "The restart command (sh -c, run in current); default: the release's tools/restart" };
        var healthUrl = new Option<string?>("--health-url") { Description = "Health endpoint that must answer 2xx within the window" };
        var healthCmd = new Option<string?>("--health-cmd") { Description = "Health command (sh -c, run in current) that must exit 0 within the window" };
        var window = new Option<int>("--window") { Description = "The commit window in seconds", DefaultValueFactory = _ => 30 };
        var busy = new Option<string?>("--busy-cmd") { Description = "Busy hook (sh -c, run in current): non-zero exit means busy, no upgrade" };
        var jitter = new Option<int>("--jitter") { Description = "Wait a random 0..N seconds first (spreads a fleet's timers)", DefaultValueFactory = _ => 0 };
        var command = new Command("pull", "One check of the feed; installs the newest eligible version (verified, health-checked, rolled back on failure)") { feed, app, trust, channel, version, restart, healthUrl, healthCmd, window, busy, jitter };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var keys = new List<TrustedKey>();
            foreach (var path in parse.GetValue(trust)!)
            {
                keys.Add(await TrustedKey.LoadAsync(path, ct).ConfigureAwait(false));
            }

            var seconds = TimeSpan.FromSeconds(parse.GetValue(window));
            var health = parse.GetValue(healthUrl) is { } url ? AgentHealthCheck.Http(Url(url, "--health-url"), seconds)
                : parse.GetValue(healthCmd) is { } cmd ? AgentHealthCheck.Run(Sh(cmd), seconds)
                : null;
            var options = new AgentUpdateOptions
            {
                Feed = Url(parse.GetValue(feed)!, "--feed"),
                AppDirectory = parse.GetValue(app)!,
                TrustedKeys = keys,
                Channel = parse.GetValue(channel)!,
                TargetVersion = parse.GetValue(version),
                RestartCommand = parse.GetValue(restart) is { } r ? Sh(r) : null,
                HealthCheck = health,
                BusyCommand = parse.GetValue(busy) is { } b ? Sh(b) : null,
            };
            await using var updater = new AgentUpdater(options);
            if (parse.GetValue(jitter) is > 0 and var j)
            {
                // The library's polling schedule, one cycle: a timer's run waits a random 0..N seconds first.
                await new AgentPoller(updater, new AgentPollOptions { Interval = TimeSpan.Zero, Jitter = TimeSpan.FromSeconds(j) }).WaitAsync(ct).ConfigureAwait(false);
            }

            var result = await ProgressViews.AgentAsync($"agent update {options.AppDirectory}", p => updater.RunOnceAsync(new SyncProgress<AgentProgress>(e =>
            {
                if (e.Phase != AgentPhase.Download || CliOutput.Current.Interactive)
                {
                    p.Report(e);
                }
            }), null, ct)).ConfigureAwait(false);
            CliOutput.Current.Result(new { result.Outcome.Kind, result.Outcome.Version, result.Outcome.Message, result.DeltaFrom, result.DeltaFallback }, $"{result.Outcome.Kind}: {result.Outcome.Message}");
            return result.Outcome.Kind switch { AgentOutcomeKind.RolledBack => 3, AgentOutcomeKind.RolledBackUnhealthy => 4, _ => 0 };
        }));
        return command;
    }

    private static Command Status()
    {
        var apps = new Option<string[]>("--app") { Description = "An app folder; repeatable (with -i: the one folder on every host)", Required = true };
        var inventory = new Option<string?>("--inventory", "-i") { Description = "Inventory YAML: show the app on each of its hosts" };
        var hosts = new Option<string?>("--hosts", "-H") { Description = "Host pattern (with -i; default all)" };
        var command = new Command("status", "Show the version each app runs, its last outcome, bad versions and an update in flight") { apps, inventory, hosts };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            if (parse.GetValue(inventory) is { } inv)
            {
                return await AgentPushCommands.FleetStatusAsync(inv, parse.GetValue(hosts), parse.GetValue(apps)![0], ct).ConfigureAwait(false);
            }

            await using var host = new LocalHost();
            var states = new List<object>();
            foreach (var dir in parse.GetValue(apps)!)
            {
                var state = await new AgentStateStore(host, Path.GetFullPath(dir)).ReadAsync(ct).ConfigureAwait(false);
                states.Add(new { App = dir, State = state });
                Console.WriteLine($"{dir}: running {state.CurrentVersion ?? "nothing"} ({state.CurrentRelease ?? "-"}), index serial {state.HighestSerial}");
                if (state.LastOutcome is { } o)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  last: {o.Kind} {o.Version} at {o.At:u}: {o.Message}"));
                }

                foreach (var bad in state.BadVersions)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bad: {bad.Version} at {bad.At:u}: {bad.Reason}"));
                }

                if (state.Pending is { } p)
                {
                    Console.WriteLine($"  in flight: {p.FromVersion ?? "nothing"} -> {p.Version} (the next run finishes or rolls it back)");
                }
            }

            CliOutput.Current.Result(states, "");

            return 0;
        }));
        return command;
    }

    internal static Uri Url(string value, string option)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.InvalidArgument, $"{option} '{value}' is not an http(s) URL.") { Path = option };

    internal static IReadOnlyList<string> Sh(string command) => ["/bin/sh", "-c", command];

    private static async Task<ECDsa> LoadKeyAsync(string path, CancellationToken ct)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false));
        return key;
    }
}
