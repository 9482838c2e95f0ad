namespace Deploy.Core.Hosts;

/// <summary>
/// A host script that an upload's own remote command runs once every file is placed, so that what must follow the
/// placement costs no round trip (and no shell) of its own. The sequence engine commits its state this way: the
/// staged state renamed over the recorded one, the journal deleted, the lock released (<c>state-commit.sh</c>).
/// An internal seam of the hosts whose upload is one remote command (<see cref="IUploadWithAfterPlacement"/>).
/// </summary>
/// <param name="Script">The script; it runs in the upload's shell (builtins cost nothing, each program a fork+exec).</param>
/// <param name="Arguments">Its positional parameters.</param>
internal sealed record AfterPlacement(HostScript Script, IReadOnlyList<string> Arguments);

/// <summary>
/// A host whose bulk upload is one remote command (<c>host-upload.sh</c>: the SSH hosts) and can run an
/// <see cref="AfterPlacement"/> step in it.
/// </summary>
internal interface IUploadWithAfterPlacement
{
    /// <summary>
    /// <see cref="IHost.UploadGatedAsync"/> (<see cref="IHost.UploadAsync"/> when <paramref name="placeAfter"/> is
    /// <c>null</c>) whose remote command runs <paramref name="after"/> once every file is placed; the upload fails
    /// when it fails. <paramref name="files"/> must not be empty. Not retried on a cut connection: once the step ran, what
    /// it released (a lock) may belong to someone else, so a repeat could undo their work; the caller's recovery
    /// (a journal) covers a cut.
    /// </summary>
    Task<TransferSummary> UploadThenAsync(IReadOnlyList<FileUpload> files, Task? placeAfter, AfterPlacement after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken);
}
