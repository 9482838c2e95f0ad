using Deploy.Core.Errors;

namespace Deploy.Core.Fleet;

/// <summary>The outcome of a fleet run: one result per host, in fleet order, whatever order they finished in.</summary>
/// <typeparam name="T">The operation's result type.</typeparam>
public sealed class FleetResult<T>
{
    internal FleetResult(IReadOnlyList<FleetHostResult<T>> hosts, int batchCount, string? abortReason, TimeSpan duration)
    {
        Hosts = hosts;
        BatchCount = batchCount;
        AbortReason = abortReason;
        Duration = duration;
    }

    /// <summary>Every host's result, in fleet order.</summary>
    public IReadOnlyList<FleetHostResult<T>> Hosts { get; }

    /// <summary>How many batches the run was cut into.</summary>
    public int BatchCount { get; }

    /// <summary>Why the rollout stopped early (fail-fast or the failure percentage); <c>null</c> when it did not.</summary>
    public string? AbortReason { get; }

    /// <summary>Whether the rollout stopped early.</summary>
    public bool Aborted => AbortReason is not null;

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Whether every host succeeded.</summary>
    public bool AllSucceeded => Hosts.All(h => h.Succeeded);

    /// <summary>Hosts that succeeded.</summary>
    public IReadOnlyList<FleetHostResult<T>> Succeeded => Hosts.Where(h => h.Status == FleetHostStatus.Succeeded).ToList();

    /// <summary>Hosts that failed.</summary>
    public IReadOnlyList<FleetHostResult<T>> Failed => Hosts.Where(h => h.Status == FleetHostStatus.Failed).ToList();

    /// <summary>Hosts whose operation was cancelled by fail-fast.</summary>
    public IReadOnlyList<FleetHostResult<T>> Cancelled => Hosts.Where(h => h.Status == FleetHostStatus.Cancelled).ToList();

    /// <summary>Hosts the operation never started on.</summary>
    public IReadOnlyList<FleetHostResult<T>> NotRun => Hosts.Where(h => h.Status == FleetHostStatus.NotRun).ToList();

    /// <summary>The result for the target named <paramref name="name"/>.</summary>
    public FleetHostResult<T> this[string name] => Hosts.FirstOrDefault(h => h.Name == name)
        ?? throw new KeyNotFoundException($"No host named '{name}' in this fleet result.");

    /// <summary>
    /// Returns this result when every host succeeded. Otherwise throws <see cref="DeployException"/>:
    /// <see cref="DeployErrorCode.RolloutAborted"/> when the rollout stopped early, else the code of the single
    /// failure (or <see cref="DeployErrorCode.CommandFailed"/> for several), naming the failed hosts, with the
    /// failures as inner exceptions.
    /// </summary>
    public FleetResult<T> ThrowOnFailure()
    {
        if (AllSucceeded)
        {
            return this;
        }

        var failed = Failed;
        var names = string.Join(", ", failed.Select(f => f.Name));
        var inner = failed.Count == 1 ? failed[0].Error : new AggregateException(failed.Select(f => f.Error!));
        if (Aborted)
        {
            throw new DeployException(DeployErrorCode.RolloutAborted, $"The rollout was aborted: {AbortReason} Failed: {(names.Length > 0 ? names : "none")}; not run: {NotRun.Count} of {Hosts.Count} hosts.", inner);
        }

        var code = failed.Count == 1 && failed[0].Error is DeployException d ? d.Code : DeployErrorCode.CommandFailed;
        var first = failed.Count == 1 ? failed[0] : null;
        throw new DeployException(code, $"{failed.Count} of {Hosts.Count} hosts failed: {names}.{(first?.Error is null ? "" : " " + first.Error.Message)}", inner)
        {
            Host = first?.Name,
        };
    }
}
