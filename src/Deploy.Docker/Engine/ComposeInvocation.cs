namespace Deploy.Docker.Engine;

/// <summary>How to address one compose project: its directory, files, project name and environment.</summary>
/// <param name="ProjectDirectory">The project directory on the host (the commands run there).</param>
/// <param name="Files">The compose files (relative to the directory or absolute); empty for the defaults.</param>
public sealed record ComposeInvocation(string ProjectDirectory, IReadOnlyList<string> Files)
{
    /// <summary>The project name; <c>null</c> for compose's default (from the directory name).</summary>
    public string? ProjectName { get; init; }

    /// <summary>Variables for interpolation (e.g. from <c>.systemconfig</c>, as the deployment's scripts export them).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
