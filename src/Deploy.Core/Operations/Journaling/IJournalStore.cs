namespace Deploy.Core.Operations.Journaling;

/// <summary>
/// Where one operation's <see cref="OperationJournal{TPayload}"/> lives: <see cref="JournalStore"/> keeps it in a
/// file on an <see cref="Hosts.IHost"/>, the Kubernetes backend in a Secret; a state store of another engine may hand out its own (e.g. one that fails on
/// purpose in a test). <see cref="Running.OperationRunner{TContext, TPayload}"/> writes through this interface.
/// </summary>
public interface IJournalStore
{
    /// <summary>Where the journal lives, named in errors: a host name, or a cluster and namespace.</summary>
    string Location { get; }

    /// <summary>The journal's path on the host (named in errors).</summary>
    string Path { get; }

    /// <summary>Reads the journal; <c>null</c> when there is none.</summary>
    /// <param name="kind">The operation kind expected; a journal of another kind is refused.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default);

    /// <summary>Writes the journal atomically (readers see the previous one or this one, never a part).</summary>
    Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default);

    /// <summary>Deletes the journal (absent is fine).</summary>
    Task DeleteAsync(CancellationToken cancellationToken = default);
}
