using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The one retry pipeline of the SSH transports: only <see cref="SshTransportException"/> (a transient transport
/// failure) is retried, with exponential backoff and jitter, on the options' clock. Callers use it for idempotent
/// work only.
/// </summary>
internal static class SshRetry
{
    public static ResiliencePipeline Build(SshHostOptions options, ILogger logger)
    {
        if (options.RetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        var name = options.DisplayName;
        return new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SshTransportException>(),
                MaxRetryAttempts = options.RetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    SshLog.Retrying(logger, name, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="run"/> through <paramref name="retry"/>, rewinding a seekable standard input before each attempt.</summary>
    public static async Task<CommandResult> RunAsync(ResiliencePipeline retry, Func<CancellationToken, Task<CommandResult>> run, Stream? input, CancellationToken cancellationToken)
    {
        var position = input?.Position ?? 0;
        return await retry.ExecuteAsync(
            async ct =>
            {
                if (input is not null)
                {
                    input.Position = position;
                }

                return await run(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }
}
