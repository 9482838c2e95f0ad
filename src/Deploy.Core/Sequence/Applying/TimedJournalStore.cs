using Deploy.Core.Operations.Journaling;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// The apply's journal store, its writes recorded as <see cref="ApplyPhase.Journal"/>. Once <paramref name="closed"/>
/// says so (the transfer's own command committed the state, deleted the journal and released the lock), writes are
/// dropped: the apply is complete, and the runner's record of a failure after it (a cancel at the last step's
/// boundary) would bring back a journal of a finished apply, written without the lock.
/// </summary>
internal sealed class TimedJournalStore(IJournalStore inner, PhaseClock clock, Func<bool> closed) : IJournalStore
{
    public string Location => inner.Location;

    public string Path => inner.Path;

    public Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default)
        => inner.ReadAsync<TPayload>(kind, cancellationToken);

    public Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default)
        => closed() ? Task.CompletedTask : clock.TimeAsync(ApplyPhase.Journal, () => inner.WriteAsync(journal, cancellationToken));

    public Task DeleteAsync(CancellationToken cancellationToken = default) => inner.DeleteAsync(cancellationToken);
}
