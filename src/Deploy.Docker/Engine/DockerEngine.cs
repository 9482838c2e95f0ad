using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Archives;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Docker.Engine;

/// <summary>
/// The Docker engine of a host, driven through the docker CLI over any <see cref="IHost"/> (local or SSH). Listing
/// commands use <c>--format '{{json .}}'</c> and are parsed as JSON. Compose commands use whichever flavour
/// <see cref="DetectAsync"/> finds: <c>docker compose</c> (v2) or <c>docker-compose</c> (v1).
/// </summary>
public sealed class DockerEngine
{
    private readonly IHost _host;
    private readonly ILogger _logger;
    private DockerInfo? _info;

    /// <summary>Creates an engine client for <paramref name="host"/>.</summary>
    public DockerEngine(IHost host, ILogger<DockerEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The host this engine runs on.</summary>
    public IHost Host => _host;

    /// <summary>
    /// Finds the engine and the compose flavour (<c>docker version</c>, <c>docker compose version</c>,
    /// <c>docker-compose version</c>). Throws <see cref="DeployErrorCode.DockerUnavailable"/> when docker is missing,
    /// the daemon does not answer, or neither compose flavour is installed. The result is cached.
    /// </summary>
    public async Task<DockerInfo> DetectAsync(CancellationToken cancellationToken = default)
    {
        if (_info is not null)
        {
            return _info;
        }

        var version = await TryRunAsync(CommandSpec.Of("docker", "version", "--format", "{{json .}}") with { Idempotent = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        if (version is null || !version.Succeeded)
        {
            throw new DeployException(DeployErrorCode.DockerUnavailable, $"Docker is not usable on {_host.Name}: {(version is null ? "the docker CLI is not installed" : Trim(version.StandardError))}. Install Docker and make sure the daemon runs and this user may use it.") { Host = _host.Name, Command = "docker version" };
        }

        string server, client, api;
        try
        {
            using var doc = JsonDocument.Parse(version.StandardOutput);
            var root = doc.RootElement;
            client = root.GetProperty("Client").GetProperty("Version").GetString() ?? "";
            if (!root.TryGetProperty("Server", out var s) || s.ValueKind != JsonValueKind.Object)
            {
                throw new DeployException(DeployErrorCode.DockerUnavailable, $"The Docker daemon on {_host.Name} does not answer.") { Host = _host.Name };
            }

            server = s.GetProperty("Version").GetString() ?? "";
            api = s.TryGetProperty("ApiVersion", out var a) ? a.GetString() ?? "" : "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DeployException(DeployErrorCode.DockerUnavailable, $"Unexpected 'docker version' output on {_host.Name}.", e) { Host = _host.Name };
        }

        var (flavor, composeVersion) = await DetectComposeAsync(cancellationToken).ConfigureAwait(false);
        _info = new DockerInfo(server, client, api, flavor, composeVersion);
        DockerLog.Detected(_logger, _host.Name, server, flavor, composeVersion);
        return _info;
    }

    private async Task<(ComposeFlavor, string)> DetectComposeAsync(CancellationToken cancellationToken)
    {
        var v2 = await TryRunAsync(CommandSpec.Of("docker", "compose", "version", "--short") with { Idempotent = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        if (v2 is { Succeeded: true })
        {
            return (ComposeFlavor.V2Plugin, v2.StandardOutput.Trim());
        }

        var v1 = await TryRunAsync(CommandSpec.Of("docker-compose", "version", "--short") with { Idempotent = true, Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false);
        if (v1 is { Succeeded: true })
        {
            return (ComposeFlavor.V1Standalone, v1.StandardOutput.Trim());
        }

        throw new DeployException(DeployErrorCode.DockerUnavailable, $"Neither 'docker compose' (v2) nor 'docker-compose' (v1) is installed on {_host.Name}. Install one of them.") { Host = _host.Name };
    }

    /// <summary>
    /// Loads an image archive (<c>.tar</c>, gzip, xz, bzip2 or zstd) from the local machine without writing a
    /// decompressed copy: the engine decompresses gzip itself; xz, bzip2 and zstd are decompressed while streaming. On a <see cref="LocalHost"/> the docker CLI reads the file directly
    /// (<c>docker load -i archive</c>: no extra copy; progress is reported at start and end). On any other host the
    /// file is streamed into <c>docker load</c>'s standard input (<see cref="LoadAsync(Stream, string, long?, IProgress{LoadProgress}?, CancellationToken)"/>)
    /// with byte progress.
    /// </summary>
    public async Task<LoadResult> LoadAsync(string archivePath, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        var full = Path.GetFullPath(archivePath);
        if (!File.Exists(full))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The image archive '{archivePath}' does not exist.") { Path = archivePath };
        }

        var compression = await DetectCompressionAsync(full, cancellationToken).ConfigureAwait(false);
        if (compression is StreamCompression.None or StreamCompression.Gzip && _host is LocalHost)
        {
            var total = new FileInfo(full).Length;
            progress?.Report(new LoadProgress(archivePath, 0, total));
            var result = await _host.RunAsync(CommandSpec.Of("docker", "load", "-i", full), cancellationToken).ConfigureAwait(false);
            var loaded = Loaded(archivePath, result);
            progress?.Report(new LoadProgress(archivePath, total, total));
            return loaded;
        }

        // No FileStream buffer: the copy below reads 1 MiB chunks straight into the transport.
        var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            if (compression is StreamCompression.None or StreamCompression.Gzip)
            {
                return await LoadAsync(file, archivePath, file.Length, progress, cancellationToken).ConfigureAwait(false);
            }

            // xz, bzip2 and zstd: not every engine (or host) decompresses them, so the plain tar is streamed; progress
            // counts compressed bytes read.
            var counted = new ProgressStream(file, progress is null ? null : read => progress.Report(new LoadProgress(archivePath, read, file.Length)), leaveOpen: true);
            var plain = Decompression.Open(counted, compression, leaveOpen: true);
            await using (plain.ConfigureAwait(false))
            {
                return await LoadAsync(plain, archivePath, null, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<StreamCompression> DetectCompressionAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[Decompression.MagicLength];
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        await using (file.ConfigureAwait(false))
        {
            var n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return Decompression.Detect(head.AsSpan(0, n));
        }
    }

    /// <summary>
    /// Loads an image archive read from <paramref name="archive"/> (plain or gzipped tar) by streaming it into
    /// <c>docker load</c>'s standard input on the host (<c>docker load &lt; archive</c>), reporting bytes sent.
    /// <paramref name="name"/> names the archive in progress, logs and errors.
    /// </summary>
    public async Task<LoadResult> LoadAsync(Stream archive, string name, long? length = null, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(name);
        var total = length ?? (archive.CanSeek ? archive.Length : -1);
        var input = new ProgressStream(archive, progress is null ? null : sent => progress.Report(new LoadProgress(name, sent, total)), leaveOpen: true);
        await using (input.ConfigureAwait(false))
        {
            var result = await _host.RunAsync(CommandSpec.Of("docker", "load") with { StandardInput = input }, cancellationToken).ConfigureAwait(false);
            return Loaded(name, result);
        }
    }

    /// <summary>Loads an archive that already is on the host (<c>docker load -i path</c>).</summary>
    public async Task<LoadResult> LoadFromHostAsync(string remotePath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        var result = await _host.RunAsync(CommandSpec.Of("docker", "load", "-i", remotePath), cancellationToken).ConfigureAwait(false);
        return Loaded(remotePath, result);
    }

    private LoadResult Loaded(string archive, CommandResult result)
    {
        if (!result.Succeeded)
        {
            throw new DeployException(DeployErrorCode.ImageArchiveInvalid, $"docker load rejected '{archive}' on {_host.Name}: {Trim(result.StandardError)}") { Host = _host.Name, Path = archive, Command = result.Command, ExitCode = result.ExitCode };
        }

        var references = new List<string>();
        var ids = new List<string>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("Loaded image ID: ", StringComparison.Ordinal))
            {
                ids.Add(line["Loaded image ID: ".Length..]);
            }
            else if (line.StartsWith("Loaded image: ", StringComparison.Ordinal))
            {
                references.Add(line["Loaded image: ".Length..]);
            }
        }

        DockerLog.Loaded(_logger, archive, _host.Name, string.Join(", ", references.Concat(ids)));
        return new LoadResult(references, ids);
    }

    /// <summary>Lists images, optionally those of one reference (<c>docker images --no-trunc --format '{{json .}}'</c>).</summary>
    public async Task<IReadOnlyList<ImageInfo>> ListImagesAsync(string? reference = null, CancellationToken cancellationToken = default)
    {
        var argv = new List<string> { "docker", "images", "--no-trunc", "--format", "{{json .}}" };
        if (reference is not null)
        {
            argv.Add(reference);
        }

        var lines = await JsonLinesAsync(argv, cancellationToken).ConfigureAwait(false);
        return lines.Select(e => new ImageInfo(Str(e, "ID"), Str(e, "Repository"), Str(e, "Tag"), Str(e, "Size"))).ToList();
    }

    /// <summary>The image ID of <paramref name="reference"/>, or <c>null</c> when the engine does not have it.</summary>
    public async Task<string?> GetImageIdAsync(string reference, CancellationToken cancellationToken = default)
    {
        var result = await _host.RunAsync(CommandSpec.Of("docker", "image", "inspect", "--format", "{{.Id}}", reference) with { Idempotent = true }, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    /// <summary>Removes images (<c>docker rmi [-f]</c>); missing ones are ignored.</summary>
    public async Task RemoveImagesAsync(IReadOnlyList<string> references, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(references);
        foreach (var reference in references)
        {
            var argv = force ? CommandSpec.Of("docker", "rmi", "-f", reference) : CommandSpec.Of("docker", "rmi", reference);
            var result = await _host.RunAsync(argv, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded && !result.StandardError.Contains("No such image", StringComparison.OrdinalIgnoreCase))
            {
                result.ThrowOnFailure();
            }
        }
    }

    /// <summary>Lists containers (running or not) carrying all <paramref name="labels"/> (<c>docker ps -a --filter label=k=v</c>), then inspects them.</summary>
    public async Task<IReadOnlyList<ContainerState>> ListContainersAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var argv = new List<string> { "docker", "ps", "-a", "-q", "--no-trunc" };
        foreach (var (k, v) in labels)
        {
            argv.Add("--filter");
            argv.Add($"label={k}={v}");
        }

        var result = await _host.RunAsync(new CommandSpec(argv) { Idempotent = true }, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        var ids = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return await InspectContainersAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inspects containers (<c>docker inspect --format '{{json .}}'</c>); containers removed meanwhile are skipped.</summary>
    public async Task<IReadOnlyList<ContainerState>> InspectContainersAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        var argv = new List<string> { "docker", "container", "inspect", "--format", "{{json .}}" };
        argv.AddRange(ids);
        var result = await _host.RunAsync(new CommandSpec(argv) { Idempotent = true }, cancellationToken).ConfigureAwait(false);
        var list = new List<ContainerState>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            var state = e.GetProperty("State");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (e.GetProperty("Config").TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in l.EnumerateObject())
                {
                    labels[p.Name] = p.Value.GetString() ?? "";
                }
            }

            var health = state.TryGetProperty("Health", out var h) && h.ValueKind == JsonValueKind.Object ? h.GetProperty("Status").GetString() : null;
            list.Add(new ContainerState(
                Str(e, "Id"),
                Str(e, "Name").TrimStart('/'),
                Str(e, "Image"),
                Str(state, "Status"),
                state.GetProperty("Running").GetBoolean(),
                state.GetProperty("ExitCode").GetInt32(),
                e.TryGetProperty("RestartCount", out var rc) ? rc.GetInt32() : 0,
                Str(state, "StartedAt"),
                health,
                labels));
        }

        if (list.Count == 0 && !result.Succeeded && !result.StandardError.Contains("No such", StringComparison.OrdinalIgnoreCase))
        {
            result.ThrowOnFailure();
        }

        return list;
    }

    /// <summary>Removes containers by ID (<c>docker rm -f</c>).</summary>
    public async Task RemoveContainersAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count > 0)
        {
            await _host.RunAsync(new CommandSpec(["docker", "rm", "-f", .. ids]), cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        }
    }

    /// <summary>Creates or recreates <paramref name="services"/> (all when empty) in the background (<c>compose up -d --no-deps</c>).</summary>
    public Task<CommandResult> ComposeUpAsync(ComposeInvocation project, IReadOnlyList<string> services, CancellationToken cancellationToken = default)
        => ComposeAsync(project, ["up", "-d", .. services.Count > 0 ? new[] { "--no-deps" } : [], .. services], cancellationToken);

    /// <summary>Stops and removes the project's containers and networks (<c>compose down</c>).</summary>
    public Task<CommandResult> ComposeDownAsync(ComposeInvocation project, CancellationToken cancellationToken = default)
        => ComposeAsync(project, ["down", "--remove-orphans"], cancellationToken);

    /// <summary>Restarts <paramref name="services"/> (all when empty) without recreating them (<c>compose restart</c>).</summary>
    public Task<CommandResult> ComposeRestartAsync(ComposeInvocation project, IReadOnlyList<string> services, CancellationToken cancellationToken = default)
        => ComposeAsync(project, ["restart", .. services], cancellationToken);

    /// <summary>The project's containers for <paramref name="services"/> (all when empty), by compose labels.</summary>
    public async Task<IReadOnlyList<ContainerState>> ComposePsAsync(ComposeInvocation project, IReadOnlyList<string> services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(services);
        var name = project.ProjectName ?? await DefaultProjectNameAsync(project.ProjectDirectory, cancellationToken).ConfigureAwait(false);
        var all = await ListContainersAsync(new Dictionary<string, string> { ["com.docker.compose.project"] = name }, cancellationToken).ConfigureAwait(false);
        return services.Count == 0 ? all : all.Where(c => c.ComposeService is { } s && services.Contains(s, StringComparer.Ordinal)).ToList();
    }

    /// <summary>Runs a compose subcommand for <paramref name="project"/> and throws when it fails.</summary>
    public async Task<CommandResult> ComposeAsync(ComposeInvocation project, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(arguments);
        var info = await DetectAsync(cancellationToken).ConfigureAwait(false);
        var argv = info.Compose == ComposeFlavor.V2Plugin ? new List<string> { "docker", "compose" } : ["docker-compose"];
        if (project.ProjectName is not null)
        {
            argv.Add("-p");
            argv.Add(project.ProjectName);
        }

        foreach (var file in project.Files)
        {
            argv.Add("-f");
            argv.Add(file);
        }

        argv.AddRange(arguments);
        var spec = new CommandSpec(argv) { WorkingDirectory = project.ProjectDirectory, Environment = project.Environment };
        return await _host.RunAsync(spec, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <summary>The project name compose derives from <paramref name="directory"/> for the detected flavour.</summary>
    public async Task<string> DefaultProjectNameAsync(string directory, CancellationToken cancellationToken = default)
    {
        var info = await DetectAsync(cancellationToken).ConfigureAwait(false);
        var name = directory.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
        return new string(name.Where(c => char.IsAsciiLetterOrDigit(c) || (info.Compose == ComposeFlavor.V2Plugin && c is '-' or '_')).ToArray());
    }

    private async Task<List<JsonElement>> JsonLinesAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        var result = await _host.RunAsync(new CommandSpec(argv) { Idempotent = true }, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        var list = new List<JsonElement>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            list.Add(doc.RootElement.Clone());
        }

        return list;
    }

    private async Task<CommandResult?> TryRunAsync(CommandSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _host.RunAsync(spec, cancellationToken).ConfigureAwait(false);
            return result.ExitCode == 127 ? null : result;
        }
        catch (DeployException e) when (e.Code is DeployErrorCode.ToolMissing or DeployErrorCode.CommandFailed)
        {
            return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static string Trim(string s) => s.Length > 1000 ? s[..1000].Trim() : s.Trim();
}
