using Deploy.Core.Retry;
using Microsoft.Extensions.Logging;
using Polly;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The retry pipeline of feed reads (the SDK's one retry shape, <see cref="TransientRetry"/>): only a
/// <see cref="TransientFeedException"/> (connection refused or reset, a timeout, a 5xx/408/429 answer, a transfer that
/// ended early) is retried, with exponential backoff and jitter, on the options' clock. A 404, a bad signature or a hash
/// mismatch are answers, not accidents: they are never retried.
/// </summary>
internal static class FeedRetry
{
    public static ResiliencePipeline Build(int attempts, TimeSpan delay, TimeProvider timeProvider, ILogger logger, Uri feed)
        => TransientRetry.Build<TransientFeedException>(attempts, delay, timeProvider, (attempt, wait, error) => Logging.FeedRetrying(logger, feed, attempt, wait, error));
}

/// <summary>A feed read failed in a way another attempt may not (see <see cref="FeedRetry"/>); once the retries are
/// spent, <see cref="FeedClient"/> turns it into <see cref="Core.Errors.DeployErrorCode.FeedUnreachable"/>.</summary>
internal sealed class TransientFeedException(Uri uri, string message, Exception? inner = null) : Exception(message, inner)
{
    public Uri Uri { get; } = uri;
}
