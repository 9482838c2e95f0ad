namespace Deploy.Core.Sequence.Applying;

/// <summary>A part of an apply whose wall time <see cref="ApplyResult.Phases"/> reports.</summary>
public enum ApplyPhase
{
    /// <summary>Scanning the local files (size, mtime, mode; SHA-256 in checksum mode).</summary>
    Scan,
    /// <summary>Reading the target's records (state, journal, lock): before the lock, and again under it.</summary>
    StateRead,
    /// <summary>Planning (pure, local).</summary>
    Plan,
    /// <summary>Serializing the new state to travel with the transfer.</summary>
    StateStage,
    /// <summary>Taking the lock.</summary>
    Lock,
    /// <summary>Writing the journal (it overlaps the transfer's stream, which places nothing before it is written).</summary>
    Journal,
    /// <summary>The bulk transfer up to its last byte sent (files and staged state).</summary>
    Stream,
    /// <summary>The bulk transfer after its last byte: the target unpacks and places the files.</summary>
    Placement,
    /// <summary>Making the staged state the recorded one, deleting the journal and releasing the lock.</summary>
    StateCommit,
    /// <summary>Service actions (stop, run, start, create, delete, startup waits) and file deletions.</summary>
    ServiceActions,
}

/// <summary>The wall time of one phase of an apply (phases may overlap: the scan with the first read, the journal with the stream).</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Start">When it began, from the start of the apply.</param>
/// <param name="Duration">How long it took.</param>
public sealed record PhaseTiming(ApplyPhase Phase, TimeSpan Start, TimeSpan Duration);

/// <summary>Records phase timings of one apply with the applier's clock (thread-safe: phases overlap).</summary>
internal sealed class PhaseClock
{
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly List<PhaseTiming> _timings = [];

    public PhaseClock(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
    }

    /// <summary>A timestamp to pass to <see cref="Record(ApplyPhase, long)"/> later.</summary>
    public long Now() => _time.GetTimestamp();

    /// <summary>Records <paramref name="phase"/> as running from <paramref name="started"/> until now.</summary>
    public void Record(ApplyPhase phase, long started) => Record(phase, started, _time.GetTimestamp());

    /// <summary>Records <paramref name="phase"/> as running from <paramref name="started"/> to <paramref name="ended"/>.</summary>
    public void Record(ApplyPhase phase, long started, long ended)
    {
        var timing = new PhaseTiming(phase, _time.GetElapsedTime(_origin, started), _time.GetElapsedTime(started, ended));
        lock (_timings)
        {
            _timings.Add(timing);
        }
    }

    /// <summary>Runs <paramref name="work"/> as <paramref name="phase"/>.</summary>
    public async Task<T> TimeAsync<T>(ApplyPhase phase, Func<Task<T>> work)
    {
        var started = Now();
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            Record(phase, started);
        }
    }

    /// <summary>Runs <paramref name="work"/> as <paramref name="phase"/>.</summary>
    public async Task TimeAsync(ApplyPhase phase, Func<Task> work)
    {
        var started = Now();
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            Record(phase, started);
        }
    }

    /// <summary>The timings so far, by start.</summary>
    public IReadOnlyList<PhaseTiming> Snapshot()
    {
        lock (_timings)
        {
            return _timings.OrderBy(t => t.Start).ToArray();
        }
    }
}
