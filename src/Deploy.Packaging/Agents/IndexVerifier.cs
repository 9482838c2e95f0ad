using System.Globalization;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The agent's checks of a fetched index, pure (bytes, keys, state and clock in; the index or a typed error out):
/// signed by a trusted key (<see cref="DeployErrorCode.SignatureInvalid"/>), well formed, not expired
/// (<see cref="DeployErrorCode.IndexExpired"/>), and not older than, or a different document with the same serial as,
/// the newest index seen (<see cref="DeployErrorCode.IndexReplayed"/>).
/// </summary>
public static class IndexVerifier
{
    /// <summary>Verifies <paramref name="index"/> with <paramref name="signature"/>; returns the parsed index.</summary>
    /// <param name="index">The bytes of <c>index.json</c>.</param>
    /// <param name="signature">The bytes of <c>index.sig</c>.</param>
    /// <param name="trusted">The keys trusted now (see <see cref="TrustedKeys"/>).</param>
    /// <param name="state">What the agent has seen before.</param>
    /// <param name="now">The current time.</param>
    public static FeedIndex Verify(ReadOnlySpan<byte> index, ReadOnlySpan<byte> signature, IReadOnlyList<TrustedKey> trusted, AgentState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentNullException.ThrowIfNull(state);
        if (trusted.Count == 0)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, "The agent trusts no key: configure the feed's public key (PEM).") { Path = "trusted_keys" };
        }

        try
        {
            PackageSignature.Verify(index, signature, signed: true, TrustPolicy.Require([.. trusted]));
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.SignatureInvalid)
        {
            throw new DeployException(DeployErrorCode.SignatureInvalid, $"The feed index is not validly signed by a trusted key: {e.Message}", e) { Path = FeedIndex.SignatureFileName };
        }

        var parsed = FeedIndex.Parse(index);
        if (now >= parsed.Expires)
        {
            throw new DeployException(DeployErrorCode.IndexExpired, $"The feed index (serial {parsed.Serial}) expired at {Iso(parsed.Expires)}; it is now {Iso(now)}. The publisher must re-sign the feed (deploy agent publish); a feed that is not re-signed freezes its agents.") { Path = FeedIndex.FileName };
        }

        var hash = Sha256Hex(index);
        if (parsed.Serial < state.HighestSerial)
        {
            throw new DeployException(DeployErrorCode.IndexReplayed, $"The feed index has serial {parsed.Serial}, older than serial {state.HighestSerial} already seen: a replayed or rolled-back index is refused. Check the feed or mirror you are pointed at.") { Path = FeedIndex.FileName };
        }

        if (parsed.Serial == state.HighestSerial && state.IndexSha256 is { } seen && seen != hash)
        {
            throw new DeployException(DeployErrorCode.IndexReplayed, $"The feed index has serial {parsed.Serial}, already seen with different content: each publish must increase the serial.") { Path = FeedIndex.FileName };
        }

        return parsed;
    }

    /// <summary>The keys an agent trusts now: those configured plus those learnt from rotations, minus retired ones.</summary>
    public static IReadOnlyList<TrustedKey> TrustedKeys(IReadOnlyList<TrustedKey> configured, AgentState state)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(state);
        return configured
            .Concat(state.RotatedKeys.Select(k => Convert.FromBase64String(k)).Select(spki => new TrustedKey(TrustedKey.IdOf(spki), spki)))
            .Where(k => !state.RetiredKeys.Contains(k.KeyId, StringComparer.Ordinal))
            .DistinctBy(k => k.KeyId)
            .ToArray();
    }

    /// <summary><paramref name="state"/> after accepting <paramref name="index"/> (its serial and hash recorded).</summary>
    public static AgentState Accepted(AgentState state, FeedIndex index, ReadOnlySpan<byte> indexBytes)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(index);
        return state with { HighestSerial = index.Serial, IndexSha256 = Sha256Hex(indexBytes) };
    }

    /// <summary><paramref name="state"/> after accepting <paramref name="announcement"/>.</summary>
    public static AgentState Rotated(AgentState state, KeyAnnouncement announcement)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(announcement);
        return state with
        {
            RotatedKeys = [.. state.RotatedKeys.Where(k => k != announcement.PublicKey), announcement.PublicKey],
            RetiredKeys = announcement.Replaces is { } old ? [.. state.RetiredKeys.Where(k => k != old), old] : state.RetiredKeys,
        };
    }

    internal static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
