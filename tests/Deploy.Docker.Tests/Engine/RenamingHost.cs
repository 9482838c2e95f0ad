using Deploy.Core.Hosts;

namespace Deploy.Docker.Tests.Engine;

/// <summary>A local host on which some programs are "not installed": their argv[0] is renamed to a missing program.
/// <c>"docker compose"</c> in the list hides the compose plugin only.</summary>
internal sealed class RenamingHost(params string[] missing) : IHost
{
    private readonly LocalHost _inner = new();

    public string Name => "local-without-" + string.Join("-", missing).Replace(' ', '-');

    public Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
    {
        var plugin = command.Argv.Count > 1 && command.Argv[0] == "docker" && command.Argv[1] == "compose" && missing.Contains("docker compose");
        return _inner.RunAsync(plugin || missing.Contains(command.Argv[0]) ? command with { Argv = ["deploy-test-missing-" + command.Argv[0], .. command.Argv.Skip(1)] } : command, cancellationToken);
    }

    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default) => _inner.StatAsync(path, cancellationToken);

    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default) => _inner.ListTreeAsync(root, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => _inner.OpenReadAsync(path, cancellationToken);

    public Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default) => _inner.WriteFileAsync(path, content, options, cancellationToken);

    public Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) => _inner.UploadAsync(files, progress, cancellationToken);

    public Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default) => _inner.CreateDirectoryAsync(path, mode, cancellationToken);

    public Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default) => _inner.MoveAsync(source, destination, overwrite, cancellationToken);

    public Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default) => _inner.RemoveAsync(path, recursive, cancellationToken);

    public Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default) => _inner.CreateSymlinkAsync(linkPath, target, cancellationToken);

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default) => _inner.SetModeAsync(path, mode, cancellationToken);

    public Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default) => _inner.SetOwnerAsync(path, owner, group, cancellationToken);

    public Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default) => _inner.GetOsReleaseAsync(cancellationToken);

    public Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default) => _inner.FindProcessesAsync(query, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
