using Deploy.Core.Fleet;

namespace Deploy.Packaging.Agents;

/// <summary>Options of <see cref="AgentPush.PushAsync"/>: the update every host runs, and how the rollout is staged.</summary>
public sealed record AgentPushOptions
{
    /// <summary>The update each host runs (feed, app folder on the hosts, keys, restart, health check...);
    /// <see cref="AgentUpdateOptions.TargetVersion"/> is replaced by <see cref="Version"/>.</summary>
    public required AgentUpdateOptions Update { get; init; }

    /// <summary>The version pushed (it must be in the feed's channel).</summary>
    public required string Version { get; init; }

    /// <summary>
    /// The health endpoint per host, with <c>{address}</c> (the inventory address, else the host's name) and
    /// <c>{name}</c> replaced, e.g. <c>http://{address}:8080/health</c>; it replaces the URL of
    /// <see cref="AgentUpdateOptions.HealthCheck"/> (whose window and interval are kept).
    /// <value>The default is <c>null</c>: the update's health check as it is.</value>
    /// </summary>
    public string? HealthUrl { get; init; }

    /// <summary>Cumulative staged cohorts (see <see cref="FleetOptions.Cohorts"/>).
    /// <value>The default is <c>1, 10%, 50%, 100%</c>.</value></summary>
    public IReadOnlyList<FleetBatchSize> Cohorts { get; init; } = [FleetBatchSize.Count(1), FleetBatchSize.Percent(10), FleetBatchSize.Percent(50), FleetBatchSize.Percent(100)];

    /// <summary>The failure budget: when more hosts than this have failed (rolled back or refused) after a cohort,
    /// the rollout halts and later cohorts are left untouched. <value>The default is 0.</value></summary>
    public int MaxFailures { get; init; }

    /// <summary>How many hosts of a cohort update at the same time. <value>The default is 10.</value></summary>
    public int MaxParallelism { get; init; } = 10;

    /// <summary>A time limit per host. <value>The default is <c>null</c>: none.</value></summary>
    public TimeSpan? HostTimeout { get; init; }

    /// <summary>Each host's update as it runs: its phases and install steps, tagged with the host's name (reported
    /// from the hosts' tasks concurrently). <value>The default is <c>null</c>: none.</value></summary>
    public IProgress<AgentHostProgress>? HostProgress { get; init; }
}
