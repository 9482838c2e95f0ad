namespace Deploy.Docker.Engine;

/// <summary>A container as <c>docker inspect</c> reports it (the parts an update needs).</summary>
/// <param name="Id">The full container ID.</param>
/// <param name="Name">The container name (without the leading slash).</param>
/// <param name="ImageId">The ID of the image it runs.</param>
/// <param name="Status">created, running, restarting, exited, dead...</param>
/// <param name="Running">Whether it runs.</param>
/// <param name="ExitCode">The last exit code.</param>
/// <param name="RestartCount">How often the engine restarted it.</param>
/// <param name="StartedAt">When it last started (engine text).</param>
/// <param name="Health">The healthcheck status (starting, healthy, unhealthy), or <c>null</c> without a healthcheck.</param>
/// <param name="Labels">Its labels.</param>
public sealed record ContainerState(
    string Id,
    string Name,
    string ImageId,
    string Status,
    bool Running,
    int ExitCode,
    int RestartCount,
    string StartedAt,
    string? Health,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The compose project label, or <c>null</c>.</summary>
    public string? ComposeProject => Labels.GetValueOrDefault("com.docker.compose.project");

    /// <summary>The compose service label, or <c>null</c>.</summary>
    public string? ComposeService => Labels.GetValueOrDefault("com.docker.compose.service");

    /// <summary>The compose working directory label, or <c>null</c>.</summary>
    public string? ComposeWorkingDirectory => Labels.GetValueOrDefault("com.docker.compose.project.working_dir");

    /// <summary>The compose files label (comma separated, possibly relative to the working directory), or <c>null</c>.</summary>
    public string? ComposeConfigFiles => Labels.GetValueOrDefault("com.docker.compose.project.config_files");
}
