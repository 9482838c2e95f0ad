using Deploy.Core.Hosts;

namespace Deploy.Core.Sync;

/// <summary>An <see cref="IFileTransport"/> over an <see cref="IHost"/>: <see cref="IHost.UploadAsync"/> for the
/// bulk transfer, one <c>rm -f</c> command for deletions.</summary>
public sealed class HostFileTransport : IFileTransport
{
    private readonly IHost _host;

    /// <summary>Creates the transport.</summary>
    public HostFileTransport(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <inheritdoc />
    public Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
        => _host.UploadAsync(files, progress, cancellationToken);

    /// <inheritdoc />
    public Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
        => _host.UploadGatedAsync(files, placeAfter, progress, cancellationToken);

    /// <summary>The host's upload with an after-placement step, when it has one (the SSH hosts).</summary>
    internal IUploadWithAfterPlacement? UploadsWithAfterPlacement => _host as IUploadWithAfterPlacement;

    private static readonly HostScript RemoveFilesScript = HostScript.FromResource(typeof(HostFileTransport).Assembly, "remove-files.sh");

    /// <inheritdoc />
    public async Task RemoveAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            return;
        }

        // One round trip; paths arrive as arguments (never parsed by the shell), declared as target paths.
        await _host.RunScriptAsync(
            RemoveFilesScript,
            paths,
            cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }
}
