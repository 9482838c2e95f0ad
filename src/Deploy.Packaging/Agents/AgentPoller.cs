using System.Security.Cryptography;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Agents;

/// <summary>When an <see cref="AgentPoller"/> checks the feed.</summary>
public sealed record AgentPollOptions
{
    /// <summary>The fixed part of the wait before each check.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>The random part added to each wait, uniform in [0, <see cref="Jitter"/>): spreads a fleet's checks
    /// so that agents started together do not hit the feed together.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The clock the waits run on (the update itself uses <see cref="AgentUpdateOptions.TimeProvider"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>One check of an <see cref="AgentPoller"/>.</summary>
/// <param name="Number">1 for the first cycle.</param>
/// <param name="WaitStarted">When the wait before this cycle began (poll clock).</param>
/// <param name="Delay">The wait: the interval plus this cycle's jitter.</param>
/// <param name="Started">When the check started (poll clock).</param>
/// <param name="Result">The update's result, or <c>null</c> when it was refused.</param>
/// <param name="Error">Why it was refused (busy, unreachable feed, bad signature, ...); the next cycle tries again.</param>
public sealed record AgentPollCycle(int Number, DateTimeOffset WaitStarted, TimeSpan Delay, DateTimeOffset Started, AgentUpdateResult? Result, DeployException? Error);

/// <summary>
/// Pull mode's polling loop, for a .NET agent that checks its feed itself: wait the interval plus a random jitter, run
/// <see cref="AgentUpdater.RunOnceAsync"/>, report the cycle, repeat until cancelled. A refusal (the busy hook, an
/// unreachable feed, a bad signature) is reported and retried next cycle; a version marked bad is skipped by the
/// update's own choice until a newer one appears. The update itself should run in a detached helper when it restarts
/// the agent (see <see cref="AgentSelfUpdate"/>).
/// </summary>
public sealed class AgentPoller
{
    private readonly AgentUpdater _updater;
    private readonly AgentPollOptions _options;

    /// <summary>Creates a poller running <paramref name="updater"/> (owned by the caller) on <paramref name="options"/>' schedule.</summary>
    public AgentPoller(AgentUpdater updater, AgentPollOptions options)
    {
        ArgumentNullException.ThrowIfNull(updater);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Jitter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Jitter, TimeSpan.FromMilliseconds(int.MaxValue));
        _updater = updater;
        _options = options;
    }

    /// <summary>The next wait: <see cref="AgentPollOptions.Interval"/> plus a random [0, <see cref="AgentPollOptions.Jitter"/>).</summary>
    public TimeSpan NextDelay()
        => _options.Interval + (_options.Jitter > TimeSpan.Zero ? TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32((int)Math.Ceiling(_options.Jitter.TotalMilliseconds))) : TimeSpan.Zero);

    /// <summary>Waits one <see cref="NextDelay"/> on the poll clock; returns the wait.</summary>
    public async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken = default)
    {
        var delay = NextDelay();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        return delay;
    }

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled, then returns (a cancelled wait is a clean
    /// stop; a cancelled update is rolled back by the updater).</summary>
    /// <param name="progress">One report per cycle, after its check.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>The number of cycles run.</returns>
    public async Task<int> RunAsync(IProgress<AgentPollCycle>? progress = null, CancellationToken cancellationToken = default)
    {
        var time = _options.TimeProvider;
        var number = 0;
        while (true)
        {
            var waitStarted = time.GetUtcNow();
            TimeSpan delay;
            AgentUpdateResult? result = null;
            DeployException? error = null;
            try
            {
                delay = await WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return number;
            }

            var started = time.GetUtcNow();
            try
            {
                result = await _updater.RunOnceAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return number;
            }
            catch (DeployException e)
            {
                error = e;
            }

            number++;
            progress?.Report(new AgentPollCycle(number, waitStarted, delay, started, result, error));
        }
    }
}
