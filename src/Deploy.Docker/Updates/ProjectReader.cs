using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Files;

namespace Deploy.Docker.Updates;

/// <summary>
/// Reads the compose projects of a deployment from a host: the root and, when present, <c>vicode/</c>. A project's
/// files are chosen as compose chooses them: the caller's explicit list (root project only); else
/// <c>COMPOSE_FILE</c> from <c>.env</c> or <c>.systemconfig</c> (split on <c>COMPOSE_PATH_SEPARATOR</c>, default
/// <c>:</c>); else the first base file found (<c>compose.yaml</c>, <c>compose.yml</c>, <c>docker-compose.yml</c>,
/// <c>docker-compose.yaml</c>), the console's <c>docker-compose.service.yml</c> (its deploy.sh passes it with
/// <c>-f</c>), and the first override file found (<c>compose.override.yaml</c>/<c>.yml</c>,
/// <c>docker-compose.override.yml</c>/<c>.yaml</c>). Files named by <c>extends.file</c> are read too.
/// </summary>
internal static class ProjectReader
{
    // overrides: file contents to use instead of what is on the host (an interrupted update's backups).
    public static async Task<List<ComposeProject>> ReadAsync(IHost host, string directory, IReadOnlyDictionary<string, byte[]> overrides, CancellationToken cancellationToken, IReadOnlyList<string>? explicitFiles = null)
    {
        if (await host.StatAsync(directory, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"The deployment directory '{directory}' does not exist on {host.Name}.") { Host = host.Name, Path = directory };
        }

        var projects = new List<ComposeProject>();
        foreach (var dir in new[] { directory, PosixPath.Combine(directory, "vicode") })
        {
            var reader = new FileReader(host, overrides, cancellationToken);
            var configPath = PosixPath.Combine(dir, ".systemconfig");
            var envPath = PosixPath.Combine(dir, ".env");
            var config = await reader.ReadAsync(configPath).ConfigureAwait(false) is { } c ? SystemConfig.Parse(c, configPath) : null;
            var env = await reader.ReadAsync(envPath).ConfigureAwait(false) is { } e ? SystemConfig.Parse(e, envPath) : null;
            var variables = new ComposeProject(dir, [], config, env).Variables;

            var listed = dir == directory ? explicitFiles : null;
            if (listed is null && variables.TryGetValue("COMPOSE_FILE", out var composeFile) && composeFile.Length > 0)
            {
                var separator = variables.TryGetValue("COMPOSE_PATH_SEPARATOR", out var sep) && sep.Length > 0 ? sep : ":";
                listed = composeFile.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            var composeFiles = new List<ComposeFile>();
            if (listed is not null)
            {
                foreach (var name in listed)
                {
                    var path = ComposeProject.ProjectPath(dir, name);
                    var bytes = await reader.ReadAsync(path).ConfigureAwait(false)
                        ?? throw new DeployException(DeployErrorCode.RemotePathNotFound, $"The compose file '{name}' listed for '{dir}' does not exist on {host.Name}.") { Host = host.Name, Path = path };
                    composeFiles.Add(ComposeFile.Parse(bytes, path));
                }
            }
            else
            {
                foreach (var group in new[] { ComposeProject.BaseFileNames, ComposeProject.ConsoleServiceFileNames, ComposeProject.OverrideFileNames })
                {
                    foreach (var name in group)
                    {
                        if (await reader.ReadAsync(PosixPath.Combine(dir, name)).ConfigureAwait(false) is { } bytes)
                        {
                            composeFiles.Add(ComposeFile.Parse(bytes, PosixPath.Combine(dir, name)));
                            break;
                        }
                    }
                }
            }

            if (composeFiles.Count == 0)
            {
                continue;
            }

            projects.Add(new ComposeProject(dir, composeFiles, config, env, await ReadExtendedAsync(reader, composeFiles).ConfigureAwait(false)));
        }

        if (projects.Count == 0)
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"No compose file in '{directory}' or its vicode/ folder on {host.Name}.") { Host = host.Name, Path = directory };
        }

        return projects;
    }

    private static async Task<List<ComposeFile>> ReadExtendedAsync(FileReader reader, List<ComposeFile> composeFiles)
    {
        var extended = new List<ComposeFile>();
        var known = composeFiles.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var queue = new Queue<ComposeFile>(composeFiles);
        while (queue.Count > 0 && known.Count < 64)
        {
            var file = queue.Dequeue();
            foreach (var ext in file.Extends.Values.Where(x => x.File is not null))
            {
                var path = ComposeProject.ExtendsPath(file.Path, ext.File!);
                if (known.Add(path))
                {
                    var bytes = await reader.ReadAsync(path).ConfigureAwait(false)
                        ?? throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{file.Path}' extends a service of '{ext.File}', which does not exist.") { Path = path };
                    var parsed = ComposeFile.Parse(bytes, path);
                    extended.Add(parsed);
                    queue.Enqueue(parsed);
                }
            }
        }

        return extended;
    }

    private sealed class FileReader(IHost host, IReadOnlyDictionary<string, byte[]> overrides, CancellationToken cancellationToken)
    {
        public async Task<byte[]?> ReadAsync(string path)
        {
            if (overrides.TryGetValue(path, out var bytes))
            {
                return bytes;
            }

            return await host.ExistsAsync(path, cancellationToken).ConfigureAwait(false)
                ? await host.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)
                : null;
        }
    }
}
