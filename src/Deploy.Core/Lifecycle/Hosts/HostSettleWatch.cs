using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// The settle watch of runtime services started by an apply that did not wait for them (the sequence engine's
/// <see cref="Sequence.Applying.ApplyOptions.RuntimeSettlePeriod"/>, the same period, kept outside the host's apply lock):
/// once every process has run for the period, each must still run; one that exited is a
/// <see cref="DeployErrorCode.ServiceFailed"/> naming its service and host, with its exit code and the end of its log.
/// </summary>
internal static class HostSettleWatch
{
    public static async Task WatchAsync(string hostName, IReadOnlyList<ServiceRef> started, long since, TimeSpan period, Func<Task<IServiceManager>> manager, TimeProvider time, CancellationToken cancellationToken)
    {
        if (started.Count == 0 || period <= TimeSpan.Zero)
        {
            return;
        }

        var remaining = period - time.GetElapsedTime(since);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, time, cancellationToken).ConfigureAwait(false);
        }

        var services = await manager().ConfigureAwait(false);
        foreach (var service in started)
        {
            var status = await services.GetStatusAsync(service, cancellationToken).ConfigureAwait(false);
            if (status.Running)
            {
                continue;
            }

            throw new DeployException(DeployErrorCode.ServiceFailed, ApplyRun.ExitedMessage(service, status, period)) { Service = service.Component, Host = hostName };
        }
    }
}
