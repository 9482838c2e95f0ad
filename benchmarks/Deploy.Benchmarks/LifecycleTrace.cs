using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Deploy.Core.Lifecycle.Engine;

namespace Deploy.Benchmarks;

/// <summary>
/// With <c>DEPLOY_BENCH_VERBOSE=1</c>: what each <c>service@host</c> of a lifecycle run waited on, derived only from
/// the engine's typed progress events (<see cref="LifecycleProgress"/>), time-stamped as they arrive: when the step
/// started and ended, each sequence step of its placement (transfer, service start, run-once, commit with the
/// runtime settle wait), the hook after the placement, and the run's phase line (<see cref="LifecycleEventKind.Timings"/>).
/// </summary>
public sealed partial class LifecycleTrace : IProgress<LifecycleProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(double At, LifecycleProgress Event)> _events = [];

    /// <summary>Whether tracing is on (<c>DEPLOY_BENCH_VERBOSE=1</c>).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("DEPLOY_BENCH_VERBOSE") == "1";

    /// <summary>A new trace when <see cref="Enabled"/>, else <c>null</c> (no progress given to the engine).</summary>
    public static LifecycleTrace? Start() => Enabled ? new LifecycleTrace() : null;

    /// <inheritdoc />
    public void Report(LifecycleProgress value)
    {
        var at = _clock.Elapsed.TotalMilliseconds;
        lock (_events)
        {
            _events.Add((at, value));
        }
    }

    /// <summary>Prints the timeline of the run under <paramref name="title"/>.</summary>
    public void Print(string title)
    {
        List<(double At, LifecycleProgress Event)> events;
        lock (_events)
        {
            events = _events.ToList();
        }

        Console.WriteLine($"  trace ({title}; ms from the call):");
        foreach (var (at, e) in events.Where(e => e.Event.Kind == LifecycleEventKind.Timings))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {at,7:0} {e.Message}"));
        }

        // Per placement (one sequence apply: "[a,b@host]"), its sequence steps: "[i/n] what" ... "[i/n] done: what".
        var open = new Dictionary<string, double>(StringComparer.Ordinal);
        var applies = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var spans = new SortedDictionary<string, (double Start, double End)>(StringComparer.Ordinal);
        foreach (var (at, e) in events.Where(e => e.Event.Kind == LifecycleEventKind.Output))
        {
            var m = SequenceLine().Match(e.Message);
            if (!m.Success)
            {
                continue;
            }

            var who = m.Groups["who"].Value;
            var step = m.Groups["what"].Value;
            spans[who] = spans.TryGetValue(who, out var s) ? (s.Start, at) : (at, at);
            if (m.Groups["done"].Success)
            {
                if (open.Remove(who + step, out var started))
                {
                    if (!applies.TryGetValue(who, out var list))
                    {
                        applies[who] = list = [];
                    }

                    list.Add(string.Create(CultureInfo.InvariantCulture, $"{Short(step)} {at - started:0}"));
                }
            }
            else
            {
                open[who + step] = at;
            }
        }

        foreach (var (who, steps) in applies)
        {
            var span = spans[who];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {span.Start,7:0} {span.End,7:0} apply {who}: {string.Join(", ", steps)}"));
        }

        // Per step: started, placed (its Transferred event), completed; the hook is what follows the placement.
        var steps2 = events.Where(e => e.Event is { Service: not null, Host: not null } && e.Event.Kind is LifecycleEventKind.StepStarted or LifecycleEventKind.Transferred or LifecycleEventKind.StepCompleted)
            .GroupBy(e => e.Event.Service + "@" + e.Event.Host, StringComparer.Ordinal);
        foreach (var g in steps2.OrderBy(g => g.Min(e => e.At)))
        {
            double? Of(LifecycleEventKind k) => g.Where(e => e.Event.Kind == k).Select(e => (double?)e.At).LastOrDefault();
            var started = Of(LifecycleEventKind.StepStarted);
            var placed = Of(LifecycleEventKind.Transferred);
            var done = Of(LifecycleEventKind.StepCompleted);
            var bytes = g.Where(e => e.Event.Kind == LifecycleEventKind.Transferred).Sum(e => e.Event.Bytes ?? 0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {started,7:0} {done,7:0} step {g.Key}: placed after {placed - started:0}, hook/rest {done - (placed ?? started):0} (total {done - started:0}; {bytes} bytes)"));
        }
    }

    private static string Short(string step) => step.Length <= 40 ? step : step[..40] + "…";

    [GeneratedRegex(@"^\[(?<who>[^\]]+@[^\]]+)\] \[\d+/\d+\] (?<done>done: )?(?<what>.*)$")]
    private static partial Regex SequenceLine();
}
