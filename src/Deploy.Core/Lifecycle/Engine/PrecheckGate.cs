using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// Precheck through a backend: facts from every host at once (one round trip each), analyzed against what the
/// schedule newly places there. A service already installed on a host is left out of that host's needs: its own
/// port is busy because it runs, not because something else took it.
/// </summary>
internal static class PrecheckGate
{
    /// <summary>How many hosts collect their facts at once: enough to hide the round trips of a large fleet, few enough
    /// that the controller's SSH clients do not all compete for its cores at the same moment.</summary>
    private const int MaxParallelHosts = 32;

    /// <summary>Checks the hosts of <paramref name="schedule"/> for what it places on them beyond <paramref name="current"/>.</summary>
    public static async Task<CheckResult> RunAsync(ILifecycleBackend backend, ProductDefinition product, Schedule schedule, ReleaseRecord? current, PrecheckOptions options, IProgress<CheckOutcome>? progress, CancellationToken cancellationToken)
    {
        var fresh = Fresh(schedule, current);
        var hosts = fresh.Hosts.Order(StringComparer.Ordinal).ToList();
        using var slots = new SemaphoreSlim(MaxParallelHosts);
        var checks = hosts.Select(async host =>
        {
            if (!backend.Hosts.Contains(host, StringComparer.Ordinal))
            {
                return (IReadOnlyList<CheckOutcome>)[new CheckOutcome(host, CheckNames.Reachable, CheckStatus.Fail, "the schedule places services on this host but the backend has no such host.")];
            }

            var needs = PrecheckAnalyzer.Requirements(product, fresh, host);
            HostFacts facts;
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                facts = await backend.CollectFactsAsync(host, needs.Disk.Keys.ToList(), needs.Commands.Keys.ToList(), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }

            var outcomes = PrecheckAnalyzer.Analyze(facts, needs, options);
            foreach (var o in outcomes)
            {
                progress?.Report(o);
            }

            return outcomes;
        });
        var all = (await Task.WhenAll(checks).ConfigureAwait(false)).SelectMany(o => o).ToList();
        return new CheckResult(product.Name, all) { Schedule = schedule };
    }

    /// <summary>The part of <paramref name="schedule"/> not yet installed according to <paramref name="current"/>.</summary>
    public static Schedule Fresh(Schedule schedule, ReleaseRecord? current)
    {
        var installed = (current?.Services ?? []).ToDictionary(s => s.Name, s => s.Hosts, StringComparer.Ordinal);
        var services = schedule.Services
            .Select(s => new ScheduledService(s.Service, s.Hosts.Where(h => !installed.TryGetValue(s.Service, out var on) || !on.Contains(h, StringComparer.Ordinal)).ToList()))
            .Where(s => s.Hosts.Count > 0)
            .ToList();
        return new Schedule(schedule.Product, services);
    }

    /// <summary>The schedule of the steps of <paramref name="plan"/> that place a service on a host where it is not installed.</summary>
    public static Schedule Of(LifecyclePlan plan, ReleaseRecord? current)
    {
        var services = plan.Steps.Where(s => s.Action == LifecycleAction.Install)
            .GroupBy(s => s.Service, StringComparer.Ordinal)
            .Select(g => new ScheduledService(g.Key, g.Select(s => s.Host).Distinct(StringComparer.Ordinal).ToList()))
            .OrderBy(s => s.Service, StringComparer.Ordinal)
            .ToList();
        return Fresh(new Schedule(plan.Product, services), current);
    }
}
