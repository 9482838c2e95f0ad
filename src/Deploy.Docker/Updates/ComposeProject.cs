using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Files;

namespace Deploy.Docker.Updates;

/// <summary>
/// One compose project as compose loads it: its compose files in compose's order (later files override earlier
/// ones service by service), the files their <c>extends</c> entries name, and the variables compose interpolates with.
/// </summary>
/// <param name="Directory">The project directory on the target.</param>
/// <param name="ComposeFiles">The project's compose files in the order compose merges them (see <see cref="ProjectReader"/>).</param>
/// <param name="SystemConfig">The project's <c>.systemconfig</c>, when present.</param>
/// <param name="DotEnv">The project's <c>.env</c>, when present.</param>
/// <param name="ExtendedFiles">Other compose files named by <c>extends.file</c> (not merged, only extended from).</param>
public sealed record ComposeProject(string Directory, IReadOnlyList<ComposeFile> ComposeFiles, SystemConfig? SystemConfig, SystemConfig? DotEnv, IReadOnlyList<ComposeFile>? ExtendedFiles = null)
{
    /// <summary>The base file names compose looks for when no list is given, in its order of preference (the first
    /// found is used).</summary>
    public static IReadOnlyList<string> BaseFileNames { get; } = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

    /// <summary>The override file names compose loads after the base file (the first found is used).</summary>
    public static IReadOnlyList<string> OverrideFileNames { get; } = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"];

    /// <summary>The console's service files, passed with <c>-f</c> after the base file by its <c>deploy.sh</c>.</summary>
    public static IReadOnlyList<string> ConsoleServiceFileNames { get; } = ["docker-compose.service.yml", "docker-compose.service.yaml"];

    /// <summary>Every compose file name looked for in a project directory.</summary>
    public static IReadOnlyList<string> ComposeFileNames { get; } = [.. BaseFileNames, .. ConsoleServiceFileNames, .. OverrideFileNames];

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

    /// <summary>Every file of the project: the merged ones, then the extended ones.</summary>
    public IEnumerable<ComposeFile> AllFiles => ComposeFiles.Concat(ExtendedFiles ?? []);

    /// <summary>
    /// Each service's effective <c>image:</c> as compose resolves it: the last compose file that gives the service an
    /// image (directly, through <c>&lt;&lt;</c> merges, or through <c>extends</c>) wins. Services without an image
    /// (build-only) are left out. Throws <see cref="DeployErrorCode.ComposeFileInvalid"/> for an <c>extends</c>
    /// naming a missing service or file, or a cycle.
    /// </summary>
    public IReadOnlyList<ResolvedService> ResolveServices()
    {
        var result = new Dictionary<string, ResolvedService>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var file in ComposeFiles)
        {
            foreach (var service in file.Services)
            {
                if (!order.Contains(service, StringComparer.Ordinal))
                {
                    order.Add(service);
                }

                if (ImageOf(file, service, 0) is { } found)
                {
                    result[service] = found with { Service = service };
                }
            }
        }

        return order.Where(result.ContainsKey).Select(s => result[s]).ToList();
    }

    /// <summary>The path of a file named by <c>extends.file</c> in <paramref name="extendingFile"/>.</summary>
    public static string ExtendsPath(string extendingFile, string file)
    {
        ArgumentNullException.ThrowIfNull(extendingFile);
        ArgumentNullException.ThrowIfNull(file);
        return ProjectPath(PosixPath.GetDirectoryName(extendingFile), file);
    }

    /// <summary><paramref name="name"/> (relative or absolute) resolved against <paramref name="directory"/>.</summary>
    public static string ProjectPath(string directory, string name)
    {
        var combined = PosixPath.Combine(directory, name);
        return combined.StartsWith('/') ? PosixPath.Normalize(combined) : combined;
    }

    private ResolvedService? ImageOf(ComposeFile file, string service, int depth)
    {
        if (depth > 16)
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{file.Path}': services.{service}.extends forms a cycle.") { Path = file.Path };
        }

        if (file.SiteOf(service) is { } site)
        {
            return new ResolvedService(service, file, site);
        }

        if (!file.Extends.TryGetValue(service, out var ext))
        {
            return null;
        }

        var target = file;
        if (ext.File is not null)
        {
            var path = ExtendsPath(file.Path, ext.File);
            target = AllFiles.FirstOrDefault(f => f.Path == path)
                ?? throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{file.Path}': services.{service} extends '{ext.File}', which was not read.") { Path = path };
        }

        if (!target.Services.Contains(ext.Service, StringComparer.Ordinal))
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{file.Path}': services.{service} extends '{ext.Service}', which '{target.Path}' does not define.") { Path = target.Path };
        }

        return ImageOf(target, ext.Service, depth + 1);
    }
}

/// <summary>A service and the <c>image:</c> that is effective for it.</summary>
/// <param name="Service">The service name.</param>
/// <param name="File">The file holding the effective <c>image:</c> (an override, or an extended file).</param>
/// <param name="Site">The <c>image:</c> scalar.</param>
public sealed record ResolvedService(string Service, ComposeFile File, ComposeImageSite Site);
