namespace Deploy.Packaging.Agents;

/// <summary>What an agent update is doing.</summary>
public enum AgentPhase
{
    /// <summary>Fetching and verifying the signed index.</summary>
    Check,

    /// <summary>Downloading the package.</summary>
    Download,

    /// <summary>Verifying the package's signature and manifest, extracting it.</summary>
    Verify,

    /// <summary>Installing, switching, restarting, health-checking (the install steps report through <see cref="Core.Operations.OperationProgress"/>).</summary>
    Install,

    /// <summary>Waiting for the new version's health check.</summary>
    HealthCheck,
}

/// <summary>A progress event of an agent update.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Message">What happens.</param>
public sealed record AgentProgress(AgentPhase Phase, string Message)
{
    /// <summary>Bytes of the package present locally so far (downloads).</summary>
    public long Bytes { get; init; }

    /// <summary>The package's size (downloads).</summary>
    public long TotalBytes { get; init; }

    /// <summary>Bytes already present from an interrupted download when this one started (resumed with Range).</summary>
    public long ResumedFrom { get; init; }
}

/// <summary>A progress event of one host's update in a push (<see cref="AgentPushOptions.HostProgress"/>): either a
/// phase of the update or an install step.</summary>
/// <param name="Host">The host's name.</param>
/// <param name="Update">The update's phase event, or <c>null</c>.</param>
/// <param name="Step">The install step's event, or <c>null</c>.</param>
public sealed record AgentHostProgress(string Host, AgentProgress? Update, Core.Operations.OperationProgress? Step);
