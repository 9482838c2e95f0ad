using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Deploy.Core.Fleet;
using Deploy.Core.Operations;
using Deploy.Packaging.Agents;

namespace Deploy.Benchmarks;

/// <summary>
/// Per-phase timings of a push: every host's events (fleet start, the update's phases, the install's steps, fleet end)
/// with their timestamps; a phase lasts from its event to the host's next one. <see cref="Print"/> shows, per phase, the
/// median and the max over the hosts, in the order the phases run: <c>connect</c> (SSH, lock, recovery, state),
/// <c>check</c> (index), <c>download</c> (shared by the hosts), <c>verify</c> (package check, delta assembly with its
/// upload), <c>install</c> (the installer's own checks and lock), then the install steps (<c>stage files</c>,
/// <c>install hook</c>, <c>switch current</c>, <c>restart</c>, <c>health check</c>).
/// </summary>
internal sealed class PhaseTimings : IProgress<AgentHostProgress>, IProgress<FleetProgress>
{
    private ConcurrentQueue<(string Host, string Phase, long At)> _events = new();

    public void Clear() => _events = new();

    public void Report(AgentHostProgress value)
    {
        if (value.Update is { } u)
        {
            _events.Enqueue((value.Host, u.Phase.ToString().ToLowerInvariant(), Stopwatch.GetTimestamp()));
        }
        else if (value.Step is { Kind: OperationEventKind.StepStarted, Step: { } step })
        {
            _events.Enqueue((value.Host, step, Stopwatch.GetTimestamp()));
        }
    }

    public void Report(FleetProgress value)
    {
        if (value.Host is { } host && value.Kind is FleetProgressKind.HostStarted or FleetProgressKind.HostSucceeded or FleetProgressKind.HostFailed)
        {
            _events.Enqueue((host, value.Kind == FleetProgressKind.HostStarted ? "connect" : "end", Stopwatch.GetTimestamp()));
        }
    }

    public void Print(string label)
    {
        var order = new List<string>();
        var perHost = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var host in _events.GroupBy(e => e.Host))
        {
            var events = host.OrderBy(e => e.At).ToList();
            var sums = perHost[host.Key] = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < events.Count; i++)
            {
                var phase = events[i].Phase;
                if (!order.Contains(phase))
                {
                    order.Add(phase);
                }

                sums[phase] = sums.GetValueOrDefault(phase) + Stopwatch.GetElapsedTime(events[i].At, events[i + 1].At).TotalMilliseconds;
            }
        }

        var totals = perHost.Values.Select(p => p.Values.Sum()).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agent: phases, {label}, {perHost.Count} host(s), ms median/max over hosts: total {Median(totals):0}/{(totals.Count > 0 ? totals[^1] : 0):0}"));
        foreach (var phase in order)
        {
            var values = perHost.Values.Select(p => p.GetValueOrDefault(phase)).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agent:   {phase,-16} {Median(values),7:0} {values[^1],7:0}"));
        }
    }

    private static double Median(List<double> sorted) => sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
