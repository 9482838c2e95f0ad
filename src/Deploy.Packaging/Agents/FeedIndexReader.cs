using Deploy.Core.Errors;
using Deploy.Packaging.Signing;
using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Reads and verifies a feed's index for one agent state: fetches <c>index.sig</c> and <c>index.json</c> (through the
/// push's <see cref="SharedDownloads"/> when there is one, so a push reads them once for all its hosts), follows key
/// announcements back to a trusted key, and checks the index with <see cref="IndexVerifier"/> (signature, expiry,
/// replay against <em>this</em> agent's highest serial: that check stays per host, it is in memory).
/// </summary>
internal sealed class FeedIndexReader(FeedClient client, IReadOnlyList<TrustedKey> configured, TimeProvider time, ILogger logger, string app, SharedDownloads? shared)
{
    private const int MaxRotations = 8;

    public FeedClient Client => client;

    /// <summary>The verified index and <paramref name="state"/> with it accepted (and any rotated key learnt).</summary>
    public async Task<(FeedIndex Index, AgentState State)> ReadAsync(AgentState state, CancellationToken cancellationToken)
    {
        var signature = await GetAsync(FeedIndex.SignatureFileName, PackageSignature.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        var bytes = await GetAsync(FeedIndex.FileName, FeedIndex.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        if (signature is null || bytes is null)
        {
            throw new DeployException(DeployErrorCode.FeedUnreachable, $"{client.Feed} has no {(bytes is null ? FeedIndex.FileName : FeedIndex.SignatureFileName)}: it is not a feed (publish one with deploy agent publish).") { Path = client.Feed.ToString() };
        }

        if (KeyAnnouncement.SignerOf(signature) is { } signer)
        {
            state = await LearnKeyAsync(signer, state, 0, cancellationToken).ConfigureAwait(false);
        }

        var index = IndexVerifier.Verify(bytes, signature, IndexVerifier.TrustedKeys(configured, state), state, time.GetUtcNow());
        return (index, IndexVerifier.Accepted(state, index, bytes));
    }

    /// <summary>Follows key announcements from <paramref name="keyId"/> back to a trusted key (at most 8 rotations).</summary>
    private async Task<AgentState> LearnKeyAsync(string keyId, AgentState state, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxRotations || IndexVerifier.TrustedKeys(configured, state).Any(k => k.KeyId == keyId) || !FeedIndex.IsSafeRelativePath(KeyAnnouncement.PathOf(keyId)))
        {
            return state;
        }

        var document = await GetAsync(KeyAnnouncement.PathOf(keyId), 64 * 1024, cancellationToken).ConfigureAwait(false);
        var signature = await GetAsync(KeyAnnouncement.SignaturePathOf(keyId), PackageSignature.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        if (document is null || signature is null)
        {
            return state;
        }

        if (KeyAnnouncement.SignerOf(signature) is { } signer && signer != keyId)
        {
            state = await LearnKeyAsync(signer, state, depth + 1, cancellationToken).ConfigureAwait(false);
        }

        var announcement = KeyAnnouncement.Verify(keyId, document, signature, IndexVerifier.TrustedKeys(configured, state));
        Logging.KeyRotated(logger, app, keyId, announcement.Replaces);
        return IndexVerifier.Rotated(state, announcement);
    }

    private Task<byte[]?> GetAsync(string relative, int maxBytes, CancellationToken cancellationToken)
        => shared is null ? client.GetAsync(relative, maxBytes, cancellationToken) : shared.GetDocumentAsync(client, relative, maxBytes).WaitAsync(cancellationToken);
}
