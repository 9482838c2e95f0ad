using System.Globalization;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>A phase of a lifecycle run (<see cref="LifecycleResult.Phases"/>).</summary>
public enum LifecyclePhase
{
    /// <summary>Taking the product's lock on every host.</summary>
    Lock,
    /// <summary>Reading the release records and the journal of an interrupted run.</summary>
    ReadReleases,
    /// <summary>Planning (with the services whose configs follow a move).</summary>
    Plan,
    /// <summary>Rendering the touched services for their hosts.</summary>
    Render,
    /// <summary>Reading the live config files and merging them three ways.</summary>
    Merge,
    /// <summary>The precheck gate of the hosts that get new services.</summary>
    Precheck,
    /// <summary>Running the waves: placing, removing and restarting services, their hooks, and the runtime settle wait.</summary>
    Apply,
    /// <summary>The auto-test of the touched services.</summary>
    Test,
    /// <summary>Keeping the release payloads and writing the release record on every host.</summary>
    Record,
}

/// <summary>How long one phase of a lifecycle run took (wall time; a phase may occur more than once).</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Duration">Its wall time.</param>
public sealed record LifecyclePhaseTiming(LifecyclePhase Phase, TimeSpan Duration);

/// <summary>Times the phases of one run with the engine's clock (thread-safe).</summary>
internal sealed class LifecyclePhaseClock(TimeProvider time)
{
    private readonly List<LifecyclePhaseTiming> _timings = [];

    public async Task<T> TimeAsync<T>(LifecyclePhase phase, Func<Task<T>> action)
    {
        var started = time.GetTimestamp();
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            Record(phase, started);
        }
    }

    public async Task TimeAsync(LifecyclePhase phase, Func<Task> action)
    {
        var started = time.GetTimestamp();
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            Record(phase, started);
        }
    }

    public long Now() => time.GetTimestamp();

    public void Record(LifecyclePhase phase, long started)
    {
        var timing = new LifecyclePhaseTiming(phase, time.GetElapsedTime(started));
        lock (_timings)
        {
            _timings.Add(timing);
        }
    }

    public IReadOnlyList<LifecyclePhaseTiming> Snapshot()
    {
        lock (_timings)
        {
            return _timings.ToList();
        }
    }

    /// <summary>One line: each phase's total, in phase order (<c>timings: lock 12 ms, read-releases 30 ms, ...</c>).</summary>
    public string Describe() => "timings: " + string.Join(", ", Snapshot().GroupBy(t => t.Phase).OrderBy(g => g.Key)
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{Name(g.Key)} {g.Sum(t => t.Duration.TotalMilliseconds):0} ms")));

    private static string Name(LifecyclePhase phase) => phase == LifecyclePhase.ReadReleases ? "read-releases" : phase.ToString().ToLowerInvariant();
}
