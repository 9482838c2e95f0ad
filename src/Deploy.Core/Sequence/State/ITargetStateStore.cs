namespace Deploy.Core.Sequence;

/// <summary>
/// Where the sequence engine keeps its records on a target: the state of the last completed apply, the journal of
/// an apply in progress, and the lock. <see cref="HostStateStore"/> keeps them in files on an
/// <see cref="Hosts.IHost"/>; another backend (e.g. a Kubernetes ConfigMap) can implement the same contract.
/// </summary>
public interface ITargetStateStore
{
    /// <summary>Reads the state, whether a journal exists, and the lock holder, in as few round trips as possible.</summary>
    Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Records the state atomically.</summary>
    Task WriteStateAsync(TargetState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Prepares <paramref name="state"/> to travel with the bulk file transfer: returns the upload (to a staging
    /// name that no reader looks at) or <c>null</c> when this store cannot stage. <see cref="CommitStagedStateAsync"/>
    /// later makes it the state in one cheap, atomic step.
    /// </summary>
    Task<Hosts.FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default);

    /// <summary>Makes the state staged by <see cref="StageStateAsync"/> (and transferred) the recorded state and
    /// deletes the journal, in one step.</summary>
    Task CommitStagedStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="CommitStagedStateAsync"/>, then <see cref="ReleaseLockAsync"/> for <paramref name="holder"/>: the
    /// last two records of an apply, which a store can write in one round trip. The default calls the two in turn.
    /// </summary>
    async Task CommitStagedStateAndReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default)
    {
        await CommitStagedStateAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseLockAsync(holder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forgets a state staged by <see cref="StageStateAsync"/> that will not be committed (the apply failed before
    /// its commit step): releases whatever local resources staging took. The default does nothing.
    /// </summary>
    Task DiscardStagedStateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Reads the journal; <c>null</c> when there is none.</summary>
    Task<Journal?> ReadJournalAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that a plan is being applied (see <see cref="Journal"/>: what a later apply needs to complete it).
    /// Written before the first step changes anything.
    /// </summary>
    Task WriteJournalAsync(Journal journal, CancellationToken cancellationToken = default);

    /// <summary>Deletes the journal (after the state is recorded).</summary>
    Task DeleteJournalAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lock for <paramref name="holder"/>. Throws <see cref="Errors.DeployErrorCode.LockHeld"/> naming the
    /// holder when another apply holds it, or <see cref="Errors.DeployErrorCode.StaleLock"/> when its holder is gone
    /// (unless <paramref name="breakStale"/> is set, which takes a stale lock over explicitly).
    /// </summary>
    Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default);

    /// <summary>Releases the lock if <paramref name="holder"/> holds it.</summary>
    Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="ITargetStateStore.ReadAsync"/> found.</summary>
/// <param name="State">The recorded state, or <c>null</c> when nothing was deployed.</param>
/// <param name="HasJournal">Whether an interrupted apply left a journal.</param>
/// <param name="Lock">The lock holder, when the target is locked.</param>
public sealed record TargetSnapshot(TargetState? State, bool HasJournal, LockHolder? Lock);

/// <summary>
/// The record of an apply in progress: what a later apply needs to complete it after a crash (the components'
/// actions, whether the target was restarting, and the paths being transferred, whose content on the target is
/// therefore unknown).
/// </summary>
/// <param name="Target">The target's name.</param>
/// <param name="StepCount">Steps in the plan.</param>
/// <param name="Decisions">Per component, its action (reasons shortened).</param>
/// <param name="TargetRestartReasons">Why the target was restarting, if it was.</param>
/// <param name="TransferredPaths">Target paths the plan sends over a recorded file (their content on the target is unknown until the apply completes).</param>
public sealed record Journal(string Target, int StepCount, IReadOnlyList<ComponentDecision> Decisions, IReadOnlyList<string> TargetRestartReasons, IReadOnlyList<string> TransferredPaths)
{
    /// <summary>The journal of <paramref name="plan"/>, listing every path it transfers.</summary>
    public static Journal Of(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Create(plan, Transferred(plan).ToList());
    }

    /// <summary>
    /// The journal of <paramref name="plan"/>, listing only the transferred paths <paramref name="recorded"/> records:
    /// a path it does not record is sent again by any later plan anyway, so a first deploy of 10,000 files journals
    /// none of them.
    /// </summary>
    /// <param name="plan">The plan about to be executed.</param>
    /// <param name="recorded">The state the plan starts from; <c>null</c> when the target has none.</param>
    public static Journal Of(Plan plan, TargetState? recorded)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (recorded is null)
        {
            return Create(plan, []);
        }

        var known = recorded.Files.Concat(recorded.Components.SelectMany(c => c.Files)).Select(f => f.Entry.Path).ToHashSet(StringComparer.Ordinal);
        return Create(plan, Transferred(plan).Where(known.Contains).ToList());
    }

    private static IEnumerable<string> Transferred(Plan plan)
        => plan.Steps.Where(s => s.Kind == StepKind.TransferFiles).SelectMany(s => s.Files!).Select(f => f.TargetPath);

    private static Journal Create(Plan plan, IReadOnlyList<string> transferred) => new(
        plan.Target,
        plan.Steps.Count,
        plan.Decisions.Select(d => d with { Reasons = d.Reasons.Take(3).ToList() }).ToList(),
        plan.TargetRestartReasons,
        transferred);
}
