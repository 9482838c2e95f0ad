using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// The settle watch of the runtime services a placement or restart started, kept outside the host's apply lock. Per
/// service: with a <see cref="HookKind.Ready"/> probe, the watch ends as soon as the probe passes and the processes
/// still run (like a Kubernetes readinessProbe with <c>minReadySeconds: 0</c>); meanwhile the processes are checked
/// every settle period, so one that exits is reported then, not at the probe's timeout. Without a probe, once every
/// process has run for the settle period (the sequence engine's <see cref="ApplyOptions.RuntimeSettlePeriod"/>) each
/// must still run. A process that exited is a <see cref="DeployErrorCode.ServiceFailed"/> (exit code, end of its log);
/// a probe that never passed is a <see cref="DeployErrorCode.NotReady"/> (its last output); both name the service and host.
/// </summary>
internal static class HostSettleWatch
{
    /// <summary>What the watch needs from its host.</summary>
    /// <param name="Host">The host's name.</param>
    /// <param name="Manager">The host's service manager (selected once, on first use).</param>
    /// <param name="Probe">Runs a service's ready probe (<see cref="HostHookRunner"/>).</param>
    /// <param name="Time">The clock.</param>
    /// <param name="Progress">Where "ready" lines go; may be <c>null</c>.</param>
    internal sealed record Context(string Host, Func<Task<IServiceManager>> Manager, Func<RenderedService, CancellationToken, Task<HookResult>> Probe, TimeProvider Time, IProgress<LifecycleProgress>? Progress);

    /// <param name="context">The host and its seams.</param>
    /// <param name="started">The runtime services started (the sequence engine's refs; component = service name).</param>
    /// <param name="services">The services placed or restarted, rendered for the host (their ready probes).</param>
    /// <param name="since">When they were started (a <see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="period">The settle period.</param>
    /// <param name="cancellationToken">Cancels the watch.</param>
    public static async Task WatchAsync(Context context, IReadOnlyList<ServiceRef> started, IReadOnlyList<RenderedService> services, long since, TimeSpan period, CancellationToken cancellationToken)
    {
        if (started.Count == 0)
        {
            return;
        }

        var manager = new Lazy<Task<IServiceManager>>(context.Manager);
        var watches = started.GroupBy(s => s.Component, StringComparer.Ordinal).Select(g =>
            services.FirstOrDefault(s => s.Service.Name == g.Key) is { } rendered && rendered.Hooks.ContainsKey(HookKind.Ready)
                ? ReadyAsync(context, rendered, g.ToList(), manager, since, period, cancellationToken)
                : SettleAsync(context, g.ToList(), manager, since, period, cancellationToken));
        await Task.WhenAll(watches.ToList()).ConfigureAwait(false);
    }

    private static async Task SettleAsync(Context context, IReadOnlyList<ServiceRef> refs, Lazy<Task<IServiceManager>> manager, long since, TimeSpan period, CancellationToken cancellationToken)
    {
        if (period <= TimeSpan.Zero)
        {
            return;
        }

        var remaining = period - context.Time.GetElapsedTime(since);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, context.Time, cancellationToken).ConfigureAwait(false);
        }

        await CheckRunningAsync(context, refs, manager, since, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadyAsync(Context context, RenderedService service, IReadOnlyList<ServiceRef> refs, Lazy<Task<IServiceManager>> manager, long since, TimeSpan period, CancellationToken cancellationToken)
    {
        var every = period > TimeSpan.Zero ? period : TimeSpan.FromSeconds(1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var probe = context.Probe(service, stop.Token);
        try
        {
            for (var n = 1; ; n++)
            {
                var wait = (every * n) - context.Time.GetElapsedTime(since);
                if (wait > TimeSpan.Zero && await Task.WhenAny(probe, Task.Delay(wait, context.Time, stop.Token)).ConfigureAwait(false) == probe)
                {
                    break;
                }

                // The probe still fails: a process that exited meanwhile is reported now, not at the probe's timeout.
                await CheckRunningAsync(context, refs, manager, since, cancellationToken).ConfigureAwait(false);
            }

            var result = await probe.ConfigureAwait(false);
            if (!result.Succeeded)
            {
                var timeout = service.Hooks[HookKind.Ready].Timeout;
                var output = result.Output.TrimEnd();
                throw new DeployException(DeployErrorCode.NotReady, string.Create(CultureInfo.InvariantCulture, $"{service.Service.Name} on {context.Host} did not become ready: its ready probe did not pass within {timeout.TotalSeconds:0.###} s")
                    + (output.Length > 0 ? "; its last output:\n" + output : "."))
                { Service = service.Service.Name, Host = context.Host };
            }

            await CheckRunningAsync(context, refs, manager, since, cancellationToken).ConfigureAwait(false);
            context.Progress?.Report(new LifecycleProgress(LifecycleEventKind.Output, string.Create(CultureInfo.InvariantCulture, $"[{service.Service.Name}@{context.Host}] ready after {context.Time.GetElapsedTime(since).TotalSeconds:0.00} s")) { Service = service.Service.Name, Host = context.Host });
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await probe.ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The probe was cancelled because the watch ended otherwise: its own outcome no longer matters.
            }
        }
    }

    private static async Task CheckRunningAsync(Context context, IReadOnlyList<ServiceRef> refs, Lazy<Task<IServiceManager>> manager, long since, CancellationToken cancellationToken)
    {
        var services = await manager.Value.ConfigureAwait(false);
        foreach (var service in refs)
        {
            var status = await services.GetStatusAsync(service, cancellationToken).ConfigureAwait(false);
            if (!status.Running)
            {
                throw new DeployException(DeployErrorCode.ServiceFailed, ApplyRun.ExitedMessage(service, status, context.Time.GetElapsedTime(since))) { Service = service.Component, Host = context.Host };
            }
        }
    }
}
