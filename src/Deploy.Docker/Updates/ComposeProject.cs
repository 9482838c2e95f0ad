using Deploy.Docker.Files;

namespace Deploy.Docker.Updates;

/// <summary>
/// The files of one compose project as read from the target: the console root or its <c>vicode/</c> low-code
/// project. Both layouts are covered: new installs keep services in <c>docker-compose.service.yml</c>, old ones in
/// <c>docker-compose.yml</c>; every compose file present is read.
/// </summary>
/// <param name="Directory">The project directory on the target.</param>
/// <param name="ComposeFiles">The compose files found, in their conventional order.</param>
/// <param name="SystemConfig">The project's <c>.systemconfig</c>, when present.</param>
/// <param name="DotEnv">The project's <c>.env</c>, when present.</param>
public sealed record ComposeProject(string Directory, IReadOnlyList<ComposeFile> ComposeFiles, SystemConfig? SystemConfig, SystemConfig? DotEnv)
{
    /// <summary>The compose file names looked for in a project directory, in order.</summary>
    public static IReadOnlyList<string> ComposeFileNames { get; } =
        ["docker-compose.yml", "docker-compose.yaml", "docker-compose.service.yml", "docker-compose.service.yaml", "compose.yml", "compose.yaml"];

    /// <summary>The variables compose sees: <c>.env</c>, overridden by <c>.systemconfig</c> (which the deployment's
    /// scripts export into the environment).</summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var source in new[] { DotEnv, SystemConfig })
            {
                if (source is not null)
                {
                    foreach (var (k, v) in source.ToDictionary())
                    {
                        map[k] = v;
                    }
                }
            }

            return map;
        }
    }
}
