using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>An <see cref="IHost"/> that passes everything to <paramref name="inner"/> and counts the bytes of its file
/// transfers (<see cref="IHost.UploadAsync"/>, gated or not), as the transport reports them.</summary>
public sealed class CountingHost(IHost inner) : IHost
{
    private long _uploaded;

    /// <summary>Bytes uploaded since creation or <see cref="Reset"/>.</summary>
    public long UploadedBytes => Interlocked.Read(ref _uploaded);

    /// <summary>The roots listed with <see cref="ListTreeAsync"/> since the last <see cref="Reset"/>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Listed { get; } = new();

    /// <summary>The commands run with <see cref="RunAsync"/> (argv joined by spaces) since the last <see cref="Reset"/>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Commands { get; } = new();

    public void Reset()
    {
        Interlocked.Exchange(ref _uploaded, 0);
        Listed.Clear();
        Commands.Clear();
    }

    public string Name => inner.Name;

    public Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        Commands.Enqueue(string.Join(' ', command.Argv));
        return inner.RunAsync(command, cancellationToken);
    }

    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default) => inner.StatAsync(path, cancellationToken);

    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default)
    {
        Listed.Enqueue(root);
        return inner.ListTreeAsync(root, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default) => inner.WriteFileAsync(path, content, options, cancellationToken);

    public async Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Count(await inner.UploadAsync(files, progress, cancellationToken));

    public async Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Count(await inner.UploadGatedAsync(files, placeAfter, progress, cancellationToken));

    public Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(path, mode, cancellationToken);

    public Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default) => inner.MoveAsync(source, destination, overwrite, cancellationToken);

    public Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default) => inner.RemoveAsync(path, recursive, cancellationToken);

    public Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default) => inner.CreateSymlinkAsync(linkPath, target, cancellationToken);

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default) => inner.SetModeAsync(path, mode, cancellationToken);

    public Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default) => inner.SetOwnerAsync(path, owner, group, cancellationToken);

    public Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default) => inner.GetOsReleaseAsync(cancellationToken);

    public Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default) => inner.FindProcessesAsync(query, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private TransferSummary Count(TransferSummary summary)
    {
        Interlocked.Add(ref _uploaded, summary.Bytes);
        return summary;
    }
}
