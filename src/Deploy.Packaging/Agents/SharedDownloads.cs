using System.Collections.Concurrent;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// What the hosts of one push share, so the controller does its own work once and not once per host: the feed's
/// documents (the index, its signature, key announcements: one GET each per push), each package (fetched once,
/// resumable and hash-checked as always, into <paramref name="directory"/>), and each package's verification and
/// extraction (signature and manifest checked once; every host uploads from the same extracted folder, which staging
/// only reads). The push removes the directory when it ends; hosts delete nothing in it.
/// </summary>
/// <param name="directory">A local folder for the push's downloads.</param>
/// <param name="cancellationToken">The push's token (a download serves several hosts, so no single host cancels it).</param>
internal sealed class SharedDownloads(string directory, CancellationToken cancellationToken)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]?>>> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<DownloadResult>>> _downloads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<VerifiedPackage>>> _extracted = new(StringComparer.Ordinal);

    public string Directory => directory;

    /// <summary>A feed document, fetched by the first host that asks (a failed fetch is not cached: the next asks again).</summary>
    public Task<byte[]?> GetDocumentAsync(FeedClient client, string relative, int maxBytes)
        => Once(_documents, relative, () => client.GetAsync(relative, maxBytes, cancellationToken));

    public Task<DownloadResult> GetAsync(FeedClient client, FeedEntry entry)
        => Once(_downloads, entry.Sha256, () => client.DownloadAsync(entry, Path.Combine(directory, entry.Sha256[..16] + "-" + Path.GetFileName(entry.File)), null, cancellationToken));

    /// <summary>The package at <paramref name="download"/> verified under <paramref name="trusted"/> and extracted, once
    /// per package and set of trusted keys.</summary>
    public Task<VerifiedPackage> ExtractAsync(DownloadResult download, IReadOnlyList<TrustedKey> trusted, PackageTypeRegistry registry)
    {
        var key = download.Path + "|" + string.Join(",", trusted.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        return Once(_extracted, key, () => new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Require([.. trusted]), Registry = registry })
            .ExtractAsync(download.Path, Path.Combine(directory, "extracted-" + Guid.NewGuid().ToString("N")[..12]), cancellationToken));
    }

    private static Task<T> Once<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, Func<Task<T>> start)
    {
        Lazy<Task<T>>? lazy = null;
        lazy = cache.GetOrAdd(key, _ => new Lazy<Task<T>>(() => Forget(start(), cache, key, lazy!)));
        return lazy.Value;
    }

    /// <summary>A failure is not kept: the hosts waiting for it get it, the next one asks again.</summary>
    private static async Task<T> Forget<T>(Task<T> task, ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, Lazy<Task<T>> lazy)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
            throw;
        }
    }
}
