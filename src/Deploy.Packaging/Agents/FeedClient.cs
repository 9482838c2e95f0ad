using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Reads a feed over HTTP: small documents in one GET, packages by a resumable download (an interrupted download
/// keeps its <c>.part</c> file and the next attempt asks for the rest with <c>Range</c>), checked against the index's
/// size and sha256 before it is given its final name. Transient failures (connection refused or reset, timeouts,
/// 5xx/408/429, a transfer that ended early) are retried with bounded exponential backoff; a 404, a bad signature or
/// a hash mismatch fail at once.
/// </summary>
public sealed class FeedClient
{
    private readonly HttpClient _http;
    private readonly Uri _root;
    private readonly ResiliencePipeline _retry;

    /// <summary>Creates a client of <paramref name="feed"/> that does not retry.</summary>
    /// <param name="http">The client (its lifetime is the caller's).</param>
    /// <param name="feed">The feed's root URL.</param>
    public FeedClient(HttpClient http, Uri feed)
        : this(http, feed, 0, TimeSpan.Zero)
    {
    }

    /// <summary>Creates a client of <paramref name="feed"/> retrying transient failures.</summary>
    /// <param name="http">The client (its lifetime is the caller's).</param>
    /// <param name="feed">The feed's root URL.</param>
    /// <param name="retryAttempts">Retries after a transient failure (0: none).</param>
    /// <param name="retryDelay">The delay before the first retry; later ones back off exponentially, with jitter.</param>
    /// <param name="timeProvider">The clock of the backoff; <c>null</c> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logs each retry; <c>null</c> for none.</param>
    public FeedClient(HttpClient http, Uri feed, int retryAttempts, TimeSpan retryDelay, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentOutOfRangeException.ThrowIfNegative(retryAttempts);
        _http = http;
        _root = feed.AbsoluteUri.EndsWith('/') ? feed : new Uri(feed.AbsoluteUri + "/");
        _retry = FeedRetry.Build(retryAttempts, retryDelay, timeProvider ?? TimeProvider.System, logger ?? NullLogger.Instance, _root);
    }

    /// <summary>The feed's root URL.</summary>
    public Uri Feed => _root;

    /// <summary>GETs a feed document of at most <paramref name="maxBytes"/>; <c>null</c> when the feed answers 404.</summary>
    public async Task<byte[]?> GetAsync(string relative, int maxBytes, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_root, relative);
        try
        {
            return await _retry.ExecuteAsync(async ct => await GetOnceAsync(uri, maxBytes, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (TransientFeedException e)
        {
            throw Unreachable(uri, e.InnerException ?? e);
        }
    }

    /// <summary>Downloads <paramref name="entry"/> to <paramref name="destination"/>, resuming <c>destination.part</c>
    /// when a previous download was cut (by an earlier run or an earlier attempt of this one). Throws
    /// <see cref="DeployErrorCode.HashMismatch"/> (the part is deleted) when the bytes differ from the index,
    /// <see cref="DeployErrorCode.VersionNotFound"/> on a 404, <see cref="DeployErrorCode.FeedUnreachable"/> when the
    /// transfer still fails after the retries (the part is kept for the next run), <see cref="DeployErrorCode.NoSpaceLeft"/>
    /// when the disk is full.</summary>
    public async Task<DownloadResult> DownloadAsync(FeedEntry entry, string destination, IProgress<AgentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var part = destination + ".part";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        var uri = new Uri(_root, entry.File);
        var counts = new TransferCounts { ResumedFrom = File.Exists(part) ? Math.Min(new FileInfo(part).Length, entry.Size) : 0 };
        try
        {
            await _retry.ExecuteAsync(async ct => await DownloadOnceAsync(entry, uri, part, progress, counts, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (TransientFeedException e)
        {
            var have = File.Exists(part) ? new FileInfo(part).Length : 0;
            throw Unreachable(uri, e.InnerException ?? e, $" {have} of {entry.Size} bytes are kept in {part}; the next run resumes.");
        }

        await CheckAsync(entry, part, cancellationToken).ConfigureAwait(false);
        File.Move(part, destination, overwrite: true);
        return new DownloadResult(destination, counts.Fetched, counts.ResumedFrom);
    }

    /// <summary>One GET; transient failures are thrown as <see cref="TransientFeedException"/>.</summary>
    private async Task<byte[]?> GetOnceAsync(Uri uri, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            Ensure(response, uri);
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw new DeployException(DeployErrorCode.InputTooLarge, $"{uri} is {response.Content.Headers.ContentLength} bytes; at most {maxBytes} are accepted.") { Path = uri.ToString() };
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var ms = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (ms.Length + n > maxBytes)
                {
                    throw new DeployException(DeployErrorCode.InputTooLarge, $"{uri} is larger than {maxBytes} bytes.") { Path = uri.ToString() };
                }

                ms.Write(buffer, 0, n);
            }

            if (response.Content.Headers.ContentLength is { } length && ms.Length < length)
            {
                throw new TransientFeedException(uri, $"{uri} ended at {ms.Length} of {length} bytes.");
            }

            return ms.ToArray();
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            throw new TransientFeedException(uri, e.Message, e);
        }
    }

    /// <summary>One transfer attempt from what <paramref name="part"/> holds, adding to <paramref name="counts"/>.</summary>
    private async Task DownloadOnceAsync(FeedEntry entry, Uri uri, string part, IProgress<AgentProgress>? progress, TransferCounts counts, CancellationToken cancellationToken)
    {
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > entry.Size)
        {
            File.Delete(part);
            have = 0;
            counts.ResumedFrom = 0;
        }

        if (have == entry.Size)
        {
            return;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new DeployException(DeployErrorCode.VersionNotFound, $"The feed lists {entry.Version} as {entry.File}, but {uri} answers 404.") { Path = uri.ToString() };
            }

            Ensure(response, uri);
            if (response.StatusCode != HttpStatusCode.PartialContent)
            {
                // The server ignored the Range (or there was nothing to resume): start over.
                have = 0;
                counts.ResumedFrom = 0;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var file = new FileStream(part, have == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int n;
            try
            {
                while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (have + n > entry.Size)
                    {
                        break;
                    }

                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    have += n;
                    counts.Fetched += n;
                    progress?.Report(new AgentProgress(AgentPhase.Download, $"{entry.File}: {have}/{entry.Size} bytes") { Bytes = have, TotalBytes = entry.Size, ResumedFrom = counts.ResumedFrom });
                }
            }
            finally
            {
                await file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            if (have < entry.Size)
            {
                throw new TransientFeedException(uri, $"The transfer of {uri} ended at {have} of {entry.Size} bytes");
            }
        }
        catch (IOException e) when (DiskFull.Is(e))
        {
            throw new DeployException(DeployErrorCode.NoSpaceLeft, $"No space left for the download of {entry.File} ({entry.Size} bytes) at {part}. Free space and run again; the downloaded part is kept.", e) { Path = part };
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            throw new TransientFeedException(uri, e.Message, e);
        }
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken)
        => e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private static async Task CheckAsync(FeedEntry entry, string part, CancellationToken cancellationToken)
    {
        var size = new FileInfo(part).Length;
        string sha;
        await using (var f = File.OpenRead(part))
        {
            sha = Convert.ToHexString(await SHA256.HashDataAsync(f, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
        }

        if (size != entry.Size || sha != entry.Sha256)
        {
            File.Delete(part);
            var found = size != entry.Size ? $"the transfer ended at {size} of {entry.Size} bytes" : $"its sha256 is {sha}, the signed index says {entry.Sha256}";
            throw new DeployException(DeployErrorCode.HashMismatch, $"The download of {entry.Version} ({entry.File}) does not match the signed index: {found}. The file was deleted; a tampered or corrupt feed copy is refused.") { Path = entry.File };
        }
    }

    /// <summary>A non-success answer: 5xx, 408 and 429 are transient (retried), any other is final.</summary>
    private static void Ensure(HttpResponseMessage response, Uri uri)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var message = $"The feed answered {(int)response.StatusCode} {response.ReasonPhrase} for {uri}.";
        if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
        {
            throw new TransientFeedException(uri, message);
        }

        throw new DeployException(DeployErrorCode.FeedUnreachable, message) { Path = uri.ToString() };
    }

    private static DeployException Unreachable(Uri uri, Exception e, string more = "")
        => new(DeployErrorCode.FeedUnreachable, $"The feed at {uri.GetLeftPart(UriPartial.Authority)} could not be read ({uri.AbsolutePath}): {e.Message.TrimEnd('.')}.{more}", e) { Path = uri.ToString() };

}

/// <summary>What the attempts of one download transferred.</summary>
internal sealed class TransferCounts
{
    public long Fetched { get; set; }

    public long ResumedFrom { get; set; }
}

/// <summary>A finished, verified download.</summary>
/// <param name="Path">The package file.</param>
/// <param name="BytesFetched">Bytes transferred by this call (less than the size when it resumed).</param>
/// <param name="ResumedFrom">Bytes kept from an interrupted download (0 when it started from scratch).</param>
public sealed record DownloadResult(string Path, long BytesFetched, long ResumedFrom);
