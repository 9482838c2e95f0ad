using Deploy.Core.Operations.Journaling;

namespace Deploy.Core.Sequence.Applying;

/// <summary>The apply's journal store, its writes recorded as <see cref="ApplyPhase.Journal"/>.</summary>
internal sealed class TimedJournalStore(IJournalStore inner, PhaseClock clock) : IJournalStore
{
    public string Location => inner.Location;

    public string Path => inner.Path;

    public Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default)
        => inner.ReadAsync<TPayload>(kind, cancellationToken);

    public Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default)
        => clock.TimeAsync(ApplyPhase.Journal, () => inner.WriteAsync(journal, cancellationToken));

    public Task DeleteAsync(CancellationToken cancellationToken = default) => inner.DeleteAsync(cancellationToken);
}
