namespace Deploy.Core.Fleet;

/// <summary>What a <see cref="FleetProgress"/> report is about.</summary>
public enum FleetProgressKind
{
    /// <summary>A rolling batch is starting.</summary>
    BatchStarted = 0,

    /// <summary>The operation started on a host.</summary>
    HostStarted = 1,

    /// <summary>The operation completed on a host.</summary>
    HostSucceeded = 2,

    /// <summary>The operation failed on a host.</summary>
    HostFailed = 3,

    /// <summary>The operation was cancelled on a host (fail-fast).</summary>
    HostCancelled = 4,

    /// <summary>The rollout stopped early; no further host will start.</summary>
    RolloutAborted = 5,
}

/// <summary>A progress report from a fleet run.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Batch">The 0-based batch it happened in.</param>
/// <param name="BatchCount">How many batches the run has.</param>
/// <param name="Completed">How many hosts have finished so far (any outcome).</param>
/// <param name="Total">How many hosts the fleet has.</param>
public sealed record FleetProgress(FleetProgressKind Kind, int Batch, int BatchCount, int Completed, int Total)
{
    /// <summary>The host's name, for host events.</summary>
    public string? Host { get; init; }

    /// <summary>How many hosts the batch has, for <see cref="FleetProgressKind.BatchStarted"/>.</summary>
    public int BatchSize { get; init; }

    /// <summary>How long the host's operation took, for finished hosts.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The failure message for <see cref="FleetProgressKind.HostFailed"/>, or the reason for
    /// <see cref="FleetProgressKind.RolloutAborted"/>.</summary>
    public string? Message { get; init; }
}
