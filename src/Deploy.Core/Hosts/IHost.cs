namespace Deploy.Core.Hosts;

/// <summary>
/// A machine the SDK deploys to: the local machine (<see cref="LocalHost"/>) or one reached over SSH
/// (see <c>SshHost</c>). Paths are absolute POSIX paths on the target. Every operation is async, takes a
/// <see cref="CancellationToken"/> last, and reports failures as <see cref="Errors.DeployException"/> with the host,
/// path or command set.
/// </summary>
public interface IHost : IAsyncDisposable
{
    /// <summary>A short name for logs and errors, e.g. <c>local</c> or <c>deploy@10.0.0.5:22</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Runs a command given as argv. A non-zero exit is returned, not thrown (use
    /// <see cref="CommandResult.ThrowOnFailure"/>). Throws <see cref="Errors.DeployErrorCode.Timeout"/> when
    /// <see cref="CommandSpec.Timeout"/> passes, <see cref="Errors.DeployErrorCode.HostUnreachable"/> when the
    /// transport fails (after retries, for idempotent commands only).
    /// </summary>
    Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default);

    /// <summary>Stats one path without following a final symlink; <c>null</c> when it does not exist.</summary>
    Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists a whole tree in one round trip: every file, directory and symlink below <paramref name="root"/>
    /// (not the root itself), with paths relative to it using <c>/</c>. Symlinks are not followed. An absent root
    /// gives an empty list.
    /// </summary>
    Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default);

    /// <summary>Opens a file for reading. Throws <see cref="Errors.DeployErrorCode.RemotePathNotFound"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a file atomically: the content goes to a temporary file beside <paramref name="path"/>, is flushed
    /// to disk, and is renamed over the destination. Readers see the old file or the new one, never a part.
    /// Missing parent directories are created.
    /// </summary>
    Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads many local files in one bulk transfer (on SSH: one tar stream through one connection). Each file
    /// is placed atomically (temp + rename) with its mode and full-precision modification time. On failure no
    /// partially written file is left at any destination path.
    /// </summary>
    Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="UploadAsync(IReadOnlyList{FileUpload}, IProgress{TransferProgress}?, CancellationToken)"/>, placing
    /// the files only once <paramref name="placeAfter"/> has completed: the bytes travel meanwhile (on SSH the stream
    /// runs and only its commit mark waits), so a record that must exist before anything is placed (a journal) is
    /// written in the time of the transfer. If <paramref name="placeAfter"/> fails, nothing is placed and the upload
    /// fails with its exception. The default waits first, then uploads.
    /// </summary>
    async Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(placeAfter);
        await placeAfter.ConfigureAwait(false);
        return await UploadAsync(files, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a directory and its parents (<c>mkdir -p</c>).</summary>
    Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default);

    /// <summary>Renames <paramref name="source"/> to <paramref name="destination"/> (atomic within a file system).
    /// An existing destination file is replaced when <paramref name="overwrite"/> is set.</summary>
    Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default);

    /// <summary>Removes a file, symlink or (with <paramref name="recursive"/>) a directory tree. Absent paths are fine.</summary>
    Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default);

    /// <summary>Creates (or atomically replaces) a symlink at <paramref name="linkPath"/> pointing to <paramref name="target"/>.</summary>
    Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default);

    /// <summary>Sets permission bits (<c>chmod</c>).</summary>
    Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default);

    /// <summary>Sets the owner and optionally the group (<c>chown</c>); names or numeric ids.</summary>
    Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default);

    /// <summary>Reads and parses <c>/etc/os-release</c> (falling back to <c>/usr/lib/os-release</c>).</summary>
    Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists running processes that match <paramref name="query"/> (by name, command line, or pid file).</summary>
    Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default);
}
