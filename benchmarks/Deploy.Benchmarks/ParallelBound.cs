using System.Diagnostics;
using System.Globalization;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Benchmarks;

/// <summary>
/// What <c>--parallel</c> can gain at best on one product and machine, from a sequential install, so that the
/// parallel/sequential ratio is read against what is reachable:
/// <list type="bullet">
/// <item>the dependency bound: every service starts the moment the services it depends on have finished and takes as
/// long as it took alone; the run's critical path plus its fixed cost (lock, plan, record: the sequential wall time
/// less its steps), against the sequential wall time;</item>
/// <item>the CPU bound: the CPU time every process of the machine used for a parallel install, spread over all cores
/// (the hosts are namespaces of this machine), against the sequential wall time.</item>
/// </list>
/// The engine starts a dependent once its dependencies are ready, a little before their steps end, so the dependency
/// bound is an estimate, not a proof.
/// </summary>
internal sealed class ParallelBound : IProgress<LifecycleProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IProgress<LifecycleProgress>? _next;
    private readonly Dictionary<(string Service, string Host), (double Start, double End)> _steps = [];

    /// <param name="next">Where the events also go (the verbose trace), or <c>null</c>.</param>
    public ParallelBound(IProgress<LifecycleProgress>? next) => _next = next;

    /// <inheritdoc />
    public void Report(LifecycleProgress value)
    {
        if (value is { Service: { } service, Host: { } host } && value.Kind is LifecycleEventKind.StepStarted or LifecycleEventKind.StepCompleted)
        {
            var at = _clock.Elapsed.TotalMilliseconds;
            lock (_steps)
            {
                _steps[(service, host)] = value.Kind == LifecycleEventKind.StepStarted ? (at, at) : (_steps.TryGetValue((service, host), out var s) ? s.Start : at, at);
            }
        }

        _next?.Report(value);
    }

    /// <summary>
    /// The dependency bound of this (sequential) run whose wall time was <paramref name="wallMs"/>: the bound, its
    /// critical path (service names, first to last), the path's and all steps' milliseconds.
    /// </summary>
    public (double Bound, IReadOnlyList<string> Path, double PathMs, double StepsMs) DependencyBound(ProductDefinition product, double wallMs)
    {
        Dictionary<string, double> alone;
        lock (_steps)
        {
            // A service on several hosts is placed on all of them at once: it takes as long as its slowest host.
            alone = _steps.GroupBy(s => s.Key.Service, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(s => s.Value.End - s.Value.Start), StringComparer.Ordinal);
        }

        var byName = product.Services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var finish = new Dictionary<string, (double At, string? After)>(StringComparer.Ordinal);
        (double At, string? After) Finish(string name)
        {
            if (finish.TryGetValue(name, out var f))
            {
                return f;
            }

            var deps = byName.TryGetValue(name, out var s) ? s.DependsOn.Where(alone.ContainsKey).ToList() : [];
            var after = deps.Count == 0 ? null : deps.MaxBy(d => Finish(d).At);
            return finish[name] = ((after is null ? 0 : Finish(after).At) + alone[name], after);
        }

        var last = alone.Keys.MaxBy(n => Finish(n).At);
        if (last is null)
        {
            return (1, [], 0, 0);
        }

        var path = new List<string>();
        for (string? n = last; n is not null; n = finish[n].After)
        {
            path.Insert(0, n);
        }

        var pathMs = finish[last].At;
        var stepsMs = alone.Values.Sum();
        return ((Math.Max(0, wallMs - stepsMs) + pathMs) / wallMs, path, pathMs, stepsMs);
    }

    /// <summary>The line the suite prints: both bounds, the measured ratio, and the share of the reachable gain it realises.</summary>
    public static string Describe(double measured, (double Bound, IReadOnlyList<string> Path, double PathMs, double StepsMs) dependency, double cpuCoreSeconds, double sequentialWallMs)
    {
        var cpu = cpuCoreSeconds / Environment.ProcessorCount * 1000 / sequentialWallMs;
        var best = Math.Max(dependency.Bound, cpu);
        var realised = best >= 1 ? double.NaN : (1 - measured) / (1 - best);
        return string.Create(CultureInfo.InvariantCulture,
            $"  best reachable parallel/sequential here: dependencies {dependency.Bound:0.00}x (critical path {string.Join(" -> ", dependency.Path)}: {dependency.PathMs:0} of {dependency.StepsMs:0} ms of steps), CPU {cpu:0.00}x ({cpuCoreSeconds:0.00} core-s on {Environment.ProcessorCount} cores vs a {sequentialWallMs:0} ms sequential install); measured {measured:0.00}x realises {realised:0%} of the reachable gain");
    }
}
