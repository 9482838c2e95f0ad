namespace Deploy.Core.Operations.Journaling;

/// <summary>Where a journaled run is.</summary>
public enum OperationPhase
{
    /// <summary>Steps are being applied.</summary>
    Applying,

    /// <summary>Steps are being rolled back: a later run finishes the rollback.</summary>
    RollingBack,
}

/// <summary>What happened to one step of a journaled run.</summary>
public enum StepState
{
    /// <summary>Not recorded as done (it may have started if it is the first such step, or follows unrecorded ones).</summary>
    Pending,

    /// <summary>Applied completely.</summary>
    Completed,

    /// <summary>May have run, wholly or partly (recorded when a rollback begins): it is rolled back too.</summary>
    Started,

    /// <summary>Rolled back.</summary>
    RolledBack,
}

/// <summary>One step in a journal.</summary>
/// <param name="Name">The step's name (stable across versions of the operation: a later run matches steps by it).</param>
/// <param name="State">Its state.</param>
public sealed record JournalStep(string Name, StepState State);

/// <summary>
/// The one journal format of every operation: versioned JSON (<c>{"version":1,...}</c>, camelCase, see
/// <see cref="OperationJson"/>) written atomically on the target before each side effect. It holds the operation's
/// kind and id, when and by whom it started, the steps with their states, and a payload of the operation's own
/// type (what a later run needs to resume or roll back without the original inputs).
/// </summary>
/// <typeparam name="TPayload">The operation's payload type (serialized with <see cref="OperationJson.Options"/>).</typeparam>
public sealed record OperationJournal<TPayload>
{
    /// <summary>The format version this SDK writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The format version. <value>The default is <see cref="CurrentVersion"/>.</value></summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The operation's kind, e.g. <c>package-install</c>; a reader expecting another kind refuses the journal.</summary>
    public required string Kind { get; init; }

    /// <summary>This run's unique id.</summary>
    public required string Id { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset Started { get; init; }

    /// <summary>Who ran it (the lock holder), if it held a lock.</summary>
    public Locking.LockHolder? Holder { get; init; }

    /// <summary>Whether the run was applying or rolling back. <value>The default is <see cref="OperationPhase.Applying"/>.</value></summary>
    public OperationPhase Phase { get; init; }

    /// <summary>The steps, in order, with their states.</summary>
    public required IReadOnlyList<JournalStep> Steps { get; init; }

    /// <summary>The operation's own record.</summary>
    public required TPayload Payload { get; init; }

    /// <summary>How many leading steps are <see cref="StepState.Completed"/>.</summary>
    public int CompletedCount
    {
        get
        {
            var n = 0;
            while (n < Steps.Count && Steps[n].State == StepState.Completed)
            {
                n++;
            }

            return n;
        }
    }

    /// <summary>A copy in which step <paramref name="index"/> has <paramref name="state"/>.</summary>
    public OperationJournal<TPayload> WithStep(int index, StepState state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Steps.Count);
        var steps = Steps.ToArray();
        steps[index] = steps[index] with { State = state };
        return this with { Steps = steps };
    }
}
