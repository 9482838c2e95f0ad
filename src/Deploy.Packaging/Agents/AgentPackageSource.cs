using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>Where an update's packages (full or delta) come from: the fleet's <see cref="SharedDownloads"/> in a push,
/// or this updater's own download folder.</summary>
/// <param name="options">The update's options (<see cref="AgentUpdateOptions.SharedDownloads"/>).</param>
/// <param name="localDirectory">The updater's local work folder (downloads go to its <c>downloads/</c>).</param>
internal sealed class AgentPackageSource(AgentUpdateOptions options, string localDirectory)
{
    /// <summary>Downloads <paramref name="entry"/> (Range resume, sha256 verified), or shares the fleet's download.</summary>
    public Task<DownloadResult> DownloadAsync(FeedClient client, FeedEntry entry, IProgress<AgentProgress>? progress, CancellationToken cancellationToken)
        => options.SharedDownloads is { } shared
            ? shared.GetAsync(client, entry).WaitAsync(cancellationToken)
            : client.DownloadAsync(entry, localDirectory + "/downloads/" + Path.GetFileName(entry.File), progress, cancellationToken);

    /// <summary>Verifies (signature, manifest) and extracts a downloaded package into <paramref name="work"/>, or shares
    /// the fleet's extraction.</summary>
    public Task<VerifiedPackage> ExtractAsync(DownloadResult download, IReadOnlyList<TrustedKey> trusted, PackageTypeRegistry registry, string work, CancellationToken cancellationToken)
        => options.SharedDownloads is { } shared
            ? shared.ExtractAsync(download, trusted, registry).WaitAsync(cancellationToken)
            : new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Require([.. trusted]), Registry = registry }).ExtractAsync(download.Path, work, cancellationToken);

    /// <summary>Deletes a download this updater owns (a shared one is the fleet's to delete).</summary>
    public void Delete(DownloadResult download)
    {
        if (options.SharedDownloads is null)
        {
            File.Delete(download.Path);
        }
    }
}
