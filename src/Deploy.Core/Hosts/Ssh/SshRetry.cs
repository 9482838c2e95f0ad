using Deploy.Core.Retry;
using Microsoft.Extensions.Logging;
using Polly;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The retry pipeline of the SSH transports (the SDK's one retry shape, <see cref="TransientRetry"/>): only
/// <see cref="SshTransportException"/> (a transient transport failure) is retried, with exponential backoff and jitter,
/// on the options' clock. Callers use it for idempotent
/// work only.
/// </summary>
internal static class SshRetry
{
    public static ResiliencePipeline Build(SshHostOptions options, ILogger logger)
    {
        var name = options.DisplayName;
        return TransientRetry.Build<SshTransportException>(options.RetryAttempts, options.RetryDelay, options.TimeProvider, (attempt, wait, error) => SshLog.Retrying(logger, name, attempt, wait, error));
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
