using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Files;

namespace Deploy.Docker.Updates;

/// <summary>Reads the compose projects of a console deployment from a host: the root and, when present, <c>vicode/</c>.</summary>
internal static class ProjectReader
{
    // overrides: file contents to use instead of what is on the host (an interrupted update's backups).
    public static async Task<List<ComposeProject>> ReadAsync(IHost host, string directory, IReadOnlyDictionary<string, byte[]> overrides, CancellationToken cancellationToken)
    {
        if (await host.StatAsync(directory, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"The deployment directory '{directory}' does not exist on {host.Name}.") { Host = host.Name, Path = directory };
        }

        var projects = new List<ComposeProject>();
        foreach (var dir in new[] { directory, PosixPath.Combine(directory, "vicode") })
        {
            var composeFiles = new List<ComposeFile>();
            foreach (var name in ComposeProject.ComposeFileNames)
            {
                if (await ReadFileAsync(host, PosixPath.Combine(dir, name), overrides, cancellationToken).ConfigureAwait(false) is { } bytes)
                {
                    composeFiles.Add(ComposeFile.Parse(bytes, PosixPath.Combine(dir, name)));
                }
            }

            if (composeFiles.Count == 0)
            {
                continue;
            }

            var config = await ReadFileAsync(host, PosixPath.Combine(dir, ".systemconfig"), overrides, cancellationToken).ConfigureAwait(false);
            var env = await ReadFileAsync(host, PosixPath.Combine(dir, ".env"), overrides, cancellationToken).ConfigureAwait(false);
            projects.Add(new ComposeProject(
                dir,
                composeFiles,
                config is null ? null : SystemConfig.Parse(config, PosixPath.Combine(dir, ".systemconfig")),
                env is null ? null : SystemConfig.Parse(env, PosixPath.Combine(dir, ".env"))));
        }

        if (projects.Count == 0)
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"No docker-compose file in '{directory}' or its vicode/ folder on {host.Name}.") { Host = host.Name, Path = directory };
        }

        return projects;
    }

    private static async Task<byte[]?> ReadFileAsync(IHost host, string path, IReadOnlyDictionary<string, byte[]> overrides, CancellationToken cancellationToken)
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
