using Polly;
using Polly.Retry;

namespace Deploy.Core.Retry;

/// <summary>
/// The SDK's one retry shape (Polly.Core), used by the SSH transports and the agent feed reads: only the given
/// transient exception type (what another attempt may cure: a dropped connection, a timeout, a 5xx) is
/// retried, with exponential backoff and jitter on the given clock; every other exception is an answer and is never
/// retried. Zero attempts give the empty pipeline.
/// </summary>
internal static class TransientRetry
{
    /// <summary>Builds the pipeline; <paramref name="onRetry"/> is told the attempt number (1-based), the delay and the error.</summary>
    public static ResiliencePipeline Build<TTransient>(int attempts, TimeSpan delay, TimeProvider timeProvider, Action<int, TimeSpan, string> onRetry)
        where TTransient : Exception
    {
        if (attempts <= 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<TTransient>(),
                MaxRetryAttempts = attempts,
                Delay = delay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }
}
