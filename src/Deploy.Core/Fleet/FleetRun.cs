using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Fleet;

/// <summary>The state of one <see cref="HostFleet.RunAsync{T}(Func{IHost, HostContext, CancellationToken, Task{T}}, FleetOptions, IProgress{FleetProgress}?, CancellationToken)"/> call.</summary>
internal sealed class FleetRun<T>
{
    private readonly HostFleet _fleet;
    private readonly FleetOptions _options;
    private readonly Func<IHost, HostContext, CancellationToken, Task<T>> _operation;
    private readonly IProgress<FleetProgress>? _progress;
    private readonly ILogger _logger;
    private readonly CancellationToken _callerToken;
    private readonly FleetHostResult<T>?[] _results;
    private readonly IReadOnlyList<int> _batches;
    private readonly object _gate = new();
    private int _completed;
    private string? _abortReason;

    public FleetRun(HostFleet fleet, FleetOptions options, Func<IHost, HostContext, CancellationToken, Task<T>> operation, IProgress<FleetProgress>? progress, ILogger logger, CancellationToken callerToken)
    {
        _fleet = fleet;
        _options = options;
        _operation = operation;
        _progress = progress;
        _logger = logger;
        _callerToken = callerToken;
        _results = new FleetHostResult<T>?[fleet.Targets.Count];
        _batches = HostFleet.Plan(fleet.Targets.Count, options);
    }

    private int Total => _results.Length;

    public async Task<FleetResult<T>> ExecuteAsync()
    {
        var clock = _options.TimeProvider;
        var start = clock.GetTimestamp();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(_callerToken);
        var first = 0;
        for (var batch = 0; batch < _batches.Count && _abortReason is null; batch++)
        {
            var count = _batches[batch];
            Report(new FleetProgress(FleetProgressKind.BatchStarted, batch, _batches.Count, Volatile.Read(ref _completed), Total) { BatchSize = count });
            FleetLog.BatchStarting(_logger, batch + 1, _batches.Count, string.Join(", ", _fleet.Targets.Skip(first).Take(count).Select(t => t.Name)));
            await RunBatchAsync(batch, first, count, abort).ConfigureAwait(false);
            _callerToken.ThrowIfCancellationRequested();

            if (_abortReason is null && _options.MaxFailurePercentage is { } max)
            {
                var failed = _results.Skip(first).Take(count).Count(r => r!.Status == FleetHostStatus.Failed);
                var percent = 100.0 * failed / count;
                if (failed > 0 && percent > max)
                {
                    Abort($"{failed} of {count} hosts in batch {batch + 1} failed ({HostFleet.Percent(percent)}), more than the allowed {HostFleet.Percent(max)}.", batch, abort);
                }
            }

            if (_abortReason is null && _options.MaxFailures is { } budget)
            {
                var failed = _results.Take(first + count).Count(r => r!.Status == FleetHostStatus.Failed);
                if (failed > budget)
                {
                    Abort($"{failed} hosts failed in batches 1-{batch + 1}, more than the failure budget of {budget}; {Total - first - count} hosts were left untouched.", batch, abort);
                }
            }

            first += count;
        }

        var results = new List<FleetHostResult<T>>(Total);
        var batchOf = 0;
        var end = _batches.Count > 0 ? _batches[0] : 0;
        for (var i = 0; i < Total; i++)
        {
            while (i >= end)
            {
                end += _batches[++batchOf];
            }

            results.Add(_results[i] ?? new FleetHostResult<T>(_fleet.Targets[i].Name, i, batchOf, FleetHostStatus.NotRun, default, null, TimeSpan.Zero));
        }

        return new FleetResult<T>(results, _batches.Count, _abortReason, clock.GetElapsedTime(start));
    }

    private async Task RunBatchAsync(int batch, int first, int count, CancellationTokenSource abort)
    {
        var next = first;
        var end = first + count;

        async Task WorkerAsync()
        {
            while (!abort.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next) - 1;
                if (index >= end)
                {
                    return;
                }

                await RunHostAsync(index, batch, abort).ConfigureAwait(false);
            }
        }

        var workers = Enumerable.Range(0, Math.Min(_options.MaxParallelism, count)).Select(_ => Task.Run(WorkerAsync, CancellationToken.None));
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task RunHostAsync(int index, int batch, CancellationTokenSource abort)
    {
        var target = _fleet.Targets[index];
        var context = new HostContext(target.Name, index, batch, _batches.Count)
        {
            Vars = target.Vars,
            Labels = target.Labels,
            InventoryHost = target.InventoryHost,
        };
        var clock = _options.TimeProvider;
        Report(new FleetProgress(FleetProgressKind.HostStarted, batch, _batches.Count, Volatile.Read(ref _completed), Total) { Host = target.Name });
        var started = clock.GetTimestamp();
        using var timeout = _options.HostTimeout is { } limit ? new CancellationTokenSource(limit, clock) : null;
        using var linked = timeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(abort.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(abort.Token, timeout.Token);

        FleetHostResult<T> result;
        try
        {
            var value = await _operation(target.Host, context, linked.Token).ConfigureAwait(false);
            result = new FleetHostResult<T>(target.Name, index, batch, FleetHostStatus.Succeeded, value, null, clock.GetElapsedTime(started));
        }
        catch (Exception e) when (abort.IsCancellationRequested && e is OperationCanceledException or DeployException { Code: DeployErrorCode.Cancelled })
        {
            // Cancelled by the caller or by fail-fast on another host: not this host's failure.
            result = new FleetHostResult<T>(target.Name, index, batch, FleetHostStatus.Cancelled, default, e, clock.GetElapsedTime(started));
        }
        catch (OperationCanceledException e) when (timeout?.IsCancellationRequested == true)
        {
            var error = new DeployException(DeployErrorCode.Timeout, $"The operation on '{target.Name}' did not finish within {_options.HostTimeout!.Value.TotalSeconds:0.###} s.", e) { Host = target.Name };
            result = new FleetHostResult<T>(target.Name, index, batch, FleetHostStatus.Failed, default, error, clock.GetElapsedTime(started));
        }
#pragma warning disable CA1031 // A host's failure, whatever its type, is that host's result; the caller reads it from FleetResult.
        catch (Exception e)
#pragma warning restore CA1031
        {
            result = new FleetHostResult<T>(target.Name, index, batch, FleetHostStatus.Failed, default, e, clock.GetElapsedTime(started));
        }

        _results[index] = result;
        var completed = Interlocked.Increment(ref _completed);
        var kind = result.Status switch
        {
            FleetHostStatus.Succeeded => FleetProgressKind.HostSucceeded,
            FleetHostStatus.Failed => FleetProgressKind.HostFailed,
            _ => FleetProgressKind.HostCancelled,
        };
        Report(new FleetProgress(kind, batch, _batches.Count, completed, Total) { Host = target.Name, Duration = result.Duration, Message = result.Error?.Message });
        if (result.Status == FleetHostStatus.Failed)
        {
            FleetLog.HostFailed(_logger, target.Name, result.Duration.TotalMilliseconds, result.Error!.Message);
            if (_options.FailureMode == FleetFailureMode.FailFast)
            {
                Abort($"host '{target.Name}' failed and the fleet runs fail-fast.", batch, abort);
            }
        }
        else if (result.Status == FleetHostStatus.Succeeded)
        {
            FleetLog.HostSucceeded(_logger, target.Name, result.Duration.TotalMilliseconds);
        }
    }

    private void Abort(string reason, int batch, CancellationTokenSource abort)
    {
        lock (_gate)
        {
            if (_abortReason is not null)
            {
                return;
            }

            _abortReason = reason;
        }

        FleetLog.RolloutAborted(_logger, reason);
        Report(new FleetProgress(FleetProgressKind.RolloutAborted, batch, _batches.Count, Volatile.Read(ref _completed), Total) { Message = reason });
        abort.Cancel();
    }

    private void Report(FleetProgress progress) => _progress?.Report(progress);
}
