using System.Collections.Concurrent;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The downloads of one push, shared by its hosts: each package is fetched from the feed once (by the first host that
/// needs it, resumable and hash-checked as always) into <paramref name="directory"/>, and every host installs from
/// that file. The push removes the directory when it ends; hosts do not delete the file.
/// </summary>
/// <param name="directory">A local folder for the push's downloads.</param>
/// <param name="cancellationToken">The push's token (a download serves several hosts, so no single host cancels it).</param>
internal sealed class SharedDownloads(string directory, CancellationToken cancellationToken)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<DownloadResult>>> _downloads = new(StringComparer.Ordinal);

    public string Directory => directory;

    public Task<DownloadResult> GetAsync(FeedClient client, FeedEntry entry)
        => _downloads.GetOrAdd(
            entry.Sha256,
            _ => new Lazy<Task<DownloadResult>>(() => client.DownloadAsync(entry, Path.Combine(directory, entry.Sha256[..16] + "-" + Path.GetFileName(entry.File)), null, cancellationToken))).Value;
}
