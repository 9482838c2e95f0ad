namespace Deploy.Core.Fleet;

/// <summary>How the operation went on one host.</summary>
public enum FleetHostStatus
{
    /// <summary>The operation never started on the host (fail-fast, an aborted rollout, or a cancelled run).</summary>
    NotRun = 0,

    /// <summary>The operation completed.</summary>
    Succeeded = 1,

    /// <summary>The operation threw (see <see cref="FleetHostResult{T}.Error"/>) or timed out.</summary>
    Failed = 2,

    /// <summary>The operation started but was cancelled because another host failed under fail-fast.</summary>
    Cancelled = 3,
}
