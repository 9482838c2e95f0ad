using Deploy.Core.Hosts;

namespace Deploy.Core.Sync;

/// <summary>
/// Moves files to a target and deletes them there. <see cref="HostFileTransport"/> uses an <see cref="IHost"/>
/// (one bulk upload); other backends (e.g. a Kubernetes volume) can plug in their own.
/// </summary>
public interface IFileTransport
{
    /// <summary>Sends <paramref name="files"/> in one bulk transfer; each file is placed atomically with its mode and mtime.</summary>
    Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="UploadAsync"/>, placing the files only once <paramref name="placeAfter"/> has completed (see
    /// <see cref="IHost.UploadGatedAsync"/>). The default waits first, then uploads.
    /// </summary>
    async Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(placeAfter);
        await placeAfter.ConfigureAwait(false);
        return await UploadAsync(files, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes files (absent ones are fine).</summary>
    Task RemoveAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken = default);
}
