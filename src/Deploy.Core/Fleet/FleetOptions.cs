namespace Deploy.Core.Fleet;

/// <summary>How a <see cref="HostFleet"/> runs an operation across its hosts.</summary>
public sealed record FleetOptions
{
    /// <summary>How many hosts run the operation at the same time (within a batch).
    /// <value>The default is 10.</value></summary>
    public int MaxParallelism { get; init; } = 10;

    /// <summary>What happens when a host fails. <value>The default is <see cref="FleetFailureMode.Continue"/>.</value></summary>
    public FleetFailureMode FailureMode { get; init; } = FleetFailureMode.Continue;

    /// <summary>
    /// Rolling batches, like Ansible's <c>serial</c>: the fleet is cut, in host order, into batches of these sizes
    /// (the last size repeats), and a batch starts only when the one before it has finished. <c>[1, 25%]</c> is
    /// "one canary host, then a quarter of the fleet at a time".
    /// <value>The default is empty: the whole fleet is one batch.</value>
    /// </summary>
    public IReadOnlyList<FleetBatchSize> BatchSizes { get; init; } = [];

    /// <summary>
    /// Staged cohorts, cumulative: each size says how much of the fleet has run once that stage is done (a count or a
    /// percentage of the fleet), so <c>[1, 10%, 50%, 100%]</c> is "one canary host, then up to a tenth of the fleet,
    /// then half, then everyone". Each stage is a batch of the hosts it adds (a stage adding none is skipped); hosts
    /// a last stage below 100% does not reach run in a final batch. Takes the place of <see cref="BatchSizes"/>,
    /// which must then be empty. <value>The default is empty: <see cref="BatchSizes"/> applies.</value>
    /// </summary>
    public IReadOnlyList<FleetBatchSize> Cohorts { get; init; } = [];

    /// <summary>
    /// The failure budget of the whole rollout: after each batch, when more than this many hosts have failed in all
    /// batches so far, the rollout stops (later batches are not run, <see cref="Errors.DeployErrorCode.RolloutAborted"/>).
    /// 0 stops after the first batch with a failure. Works with <see cref="MaxFailurePercentage"/> (either stops it).
    /// <value>The default is <c>null</c>: no limit.</value>
    /// </summary>
    public int? MaxFailures { get; init; }

    /// <summary>
    /// After each batch, when more than this percentage of the batch's hosts failed, the rollout stops: later
    /// batches are reported as not run and the result is aborted (<see cref="Errors.DeployErrorCode.RolloutAborted"/>).
    /// 0 stops at the first failed batch. The batch that crossed the line always finishes.
    /// <value>The default is <c>null</c>: no limit.</value>
    /// </summary>
    public double? MaxFailurePercentage { get; init; }

    /// <summary>A time limit for the operation on each host; when it passes the operation's token is cancelled and
    /// the host fails with <see cref="Errors.DeployErrorCode.Timeout"/>. <value>The default is <c>null</c>: none.</value></summary>
    public TimeSpan? HostTimeout { get; init; }

    /// <summary>The clock for durations and timeouts. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Returns a copy with rolling batches of the given sizes (<c>"1", "25%"</c>).</summary>
    public FleetOptions WithBatches(params string[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return this with { BatchSizes = sizes.Select(FleetBatchSize.Parse).ToList() };
    }

    /// <summary>Returns a copy with cumulative staged cohorts (<c>"1", "10%", "50%", "100%"</c>), see <see cref="Cohorts"/>.</summary>
    public FleetOptions WithCohorts(params string[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return this with { Cohorts = sizes.Select(FleetBatchSize.Parse).ToList() };
    }

    internal void Validate()
    {
        if (Cohorts.Count > 0 && BatchSizes.Count > 0)
        {
            throw new ArgumentException("Set either Cohorts (cumulative stages) or BatchSizes (rolling batches), not both.", nameof(Cohorts));
        }

        if (MaxFailures is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFailures), MaxFailures, "A failure budget is 0 or more hosts.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1, nameof(MaxParallelism));
        if (MaxFailurePercentage is { } p && (double.IsNaN(p) || p < 0 || p > 100))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFailurePercentage), p, "A failure percentage is from 0 to 100.");
        }

        if (HostTimeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HostTimeout), t, "A host timeout is positive.");
        }
    }
}
