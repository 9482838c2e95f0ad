using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Push mode (<c>deploy agent push</c>): the server drives <see cref="AgentUpdater"/>, the same update flow an agent
/// runs on itself, on every host of a fleet over SSH, in staged cohorts with a failure budget. The index is read and
/// verified once on this machine before any host is touched, and each package is downloaded, verified and extracted
/// once for all hosts; per host it is then staged, hooked, switched, restarted and health-checked through its
/// <see cref="IHost"/>; the outcome is recorded on the host (<see cref="AgentStateStore"/>), where
/// <see cref="StatusAsync"/> reads it back. A host whose update rolled back or was refused is a failed host of the
/// rollout.
/// </summary>
public static class AgentPush
{
    /// <summary>Pushes <see cref="AgentPushOptions.Version"/> to the fleet's hosts, cohort by cohort; halts when the
    /// failure budget is exceeded, leaving the hosts of later cohorts untouched.</summary>
    /// <param name="fleet">The hosts.</param>
    /// <param name="options">The update and the rollout.</param>
    /// <param name="progress">Per-host and per-cohort progress.</param>
    /// <param name="loggers">Loggers for the per-host updaters; <c>null</c> for none.</param>
    /// <param name="cancellationToken">Cancels the rollout; updates in progress are rolled back.</param>
    /// <returns>Each host's result (the update's result, or why it failed or was not run).</returns>
    public static async Task<FleetResult<AgentUpdateResult>> PushAsync(HostFleet fleet, AgentPushOptions options, IProgress<FleetProgress>? progress = null, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Version);
        FeedVersions.Parse(options.Version, "version");
        using var ownedHttp = options.Update.Http is null ? new HttpClient { Timeout = TimeSpan.FromMinutes(30) } : null;
        var update = options.Update with { TargetVersion = options.Version, Http = options.Update.Http ?? ownedHttp };
        var downloads = Path.Combine(update.DownloadDirectory ?? Path.GetTempPath(), "deploy-agent-push-" + Guid.NewGuid().ToString("N")[..12]);
        var shared = new SharedDownloads(Path.Combine(downloads, "packages"), cancellationToken);
        var fleetOptions = new FleetOptions
        {
            Cohorts = options.Cohorts,
            MaxFailures = options.MaxFailures,
            MaxParallelism = options.MaxParallelism,
            HostTimeout = options.HostTimeout,
            TimeProvider = update.TimeProvider,
        };
        try
        {
            await CheckFeedAsync(update, options.Version, shared, loggers, cancellationToken).ConfigureAwait(false);
            return await fleet.RunAsync(
                async (host, context, ct) =>
                {
                    var perHost = ForHost(update, options.HealthUrl, context) with { DownloadDirectory = Path.Combine(downloads, SafeName(context.Name)), SharedDownloads = shared };
                    await using var updater = new AgentUpdater(perHost, host, loggers?.CreateLogger<AgentUpdater>());
                    var result = await updater.RunOnceAsync(
                        options.HostProgress is { } hp ? new HostReport<AgentProgress>(e => hp.Report(new AgentHostProgress(context.Name, e, null))) : null,
                        options.HostProgress is { } hs ? new HostReport<Core.Operations.OperationProgress>(e => hs.Report(new AgentHostProgress(context.Name, null, e))) : null,
                        ct).ConfigureAwait(false);
                    if (result.Outcome.Kind is AgentOutcomeKind.RolledBack or AgentOutcomeKind.RolledBackUnhealthy)
                    {
                        var code = (result.Error?.InnerException as DeployException)?.Code ?? DeployErrorCode.InstallFailed;
                        throw new DeployException(code, result.Outcome.Message, result.Error) { Host = host.Name, Path = perHost.AppDirectory };
                    }

                    return result;
                },
                fleetOptions,
                progress,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(downloads))
            {
                Directory.Delete(downloads, recursive: true);
            }
        }
    }

    /// <summary>Reads and verifies the index once, before any host is touched: a feed that is unreachable, badly signed,
    /// expired or without the version fails the push at once instead of on every host. The hosts then read the same
    /// bytes from <paramref name="shared"/> and only check them against their own state (replay).</summary>
    private static async Task CheckFeedAsync(AgentUpdateOptions update, string version, SharedDownloads shared, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        var logger = (ILogger?)loggers?.CreateLogger<AgentUpdater>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var client = new FeedClient(update.Http!, update.Feed, update.FeedRetryAttempts, update.FeedRetryDelay, update.TimeProvider, logger);
        var (index, _) = await new FeedIndexReader(client, update.TrustedKeys, update.TimeProvider, logger, update.AppDirectory, shared).ReadAsync(new AgentState(), cancellationToken).ConfigureAwait(false);
        if (index.Find(version, update.Channel) is null)
        {
            throw new DeployException(DeployErrorCode.VersionNotFound, $"Version {version} is not in channel '{update.Channel}' of the feed (index serial {index.Serial}); it lists {string.Join(", ", index.Packages.Where(p => p.Channel == update.Channel).Select(p => p.Version))}. No host was touched.") { Path = "version" };
        }
    }

    /// <summary>Reads each host's agent state (<c>deploy agent status -i</c>): the version it runs and how its last
    /// update ended. A host without the app reads as a fresh state (no version).</summary>
    public static Task<FleetResult<AgentState>> StatusAsync(HostFleet fleet, string appDirectory, int maxParallelism = 10, IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentException.ThrowIfNullOrEmpty(appDirectory);
        return fleet.RunAsync(
            (host, _, ct) => new AgentStateStore(host, appDirectory).ReadAsync(ct),
            new FleetOptions { MaxParallelism = maxParallelism },
            progress,
            cancellationToken);
    }

    /// <summary>The update options of one host: <paramref name="healthUrl"/> with <c>{address}</c> and <c>{name}</c>
    /// replaced becomes its health check's URL.</summary>
    internal static AgentUpdateOptions ForHost(AgentUpdateOptions update, string? healthUrl, HostContext context)
    {
        if (healthUrl is null)
        {
            return update;
        }

        var text = healthUrl.Replace("{address}", context.InventoryHost?.Address ?? context.Name, StringComparison.Ordinal).Replace("{name}", context.Name, StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The health URL '{text}' of host '{context.Name}' is not an absolute http(s) URL.") { Host = context.Name, Path = "health_url" };
        }

        return update with { HealthCheck = (update.HealthCheck ?? new AgentHealthCheck()) with { Url = url, Command = null } };
    }

    private static string SafeName(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));

    /// <summary>Forwards synchronously on the reporting thread (<see cref="Progress{T}"/> would post to a context).</summary>
    private sealed class HostReport<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
