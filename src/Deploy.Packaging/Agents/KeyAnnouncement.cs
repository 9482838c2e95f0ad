using System.Security.Cryptography;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// A key rotation: the feed's new signing key, announced in <c>keys/&lt;key id&gt;.json</c> and signed (in
/// <c>keys/&lt;key id&gt;.sig</c>, the <see cref="PackageSignature"/> envelope) by a key the agents already trust.
/// An agent that meets an index signed by an unknown key fetches its announcement, checks it against its trusted
/// keys (following a chain of announcements when several rotations happened), and from then on trusts the new key
/// and no longer the one it <see cref="Replaces"/>.
/// </summary>
/// <param name="KeyId">The new key's id (hex sha256 of its SubjectPublicKeyInfo).</param>
/// <param name="PublicKey">The new key's SubjectPublicKeyInfo, base64.</param>
/// <param name="Replaces">The id of the key it retires, or <c>null</c> to keep trusting both.</param>
/// <param name="Issued">When the announcement was signed.</param>
public sealed record KeyAnnouncement(string KeyId, string PublicKey, string? Replaces, DateTimeOffset Issued)
{
    /// <summary>The folder of announcements in a feed.</summary>
    public const string Folder = "keys";

    /// <summary>The announcement's path in a feed.</summary>
    public static string PathOf(string keyId) => Folder + "/" + keyId + ".json";

    /// <summary>The announcement signature's path in a feed.</summary>
    public static string SignaturePathOf(string keyId) => Folder + "/" + keyId + ".sig";

    /// <summary>The announced key.</summary>
    public TrustedKey Key => new(KeyId, Convert.FromBase64String(PublicKey));

    /// <summary>Announces <paramref name="newKey"/>, signed by <paramref name="oldKey"/>: returns the document and its signature.</summary>
    public static (byte[] Document, byte[] Signature) Create(ECDsa oldKey, ECDsa newKey, bool retireOld, DateTimeOffset issued)
    {
        ArgumentNullException.ThrowIfNull(oldKey);
        ArgumentNullException.ThrowIfNull(newKey);
        var key = TrustedKey.FromKey(newKey);
        var announcement = new KeyAnnouncement(key.KeyId, Convert.ToBase64String(key.SubjectPublicKeyInfo.Span), retireOld ? TrustedKey.FromKey(oldKey).KeyId : null, issued);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(announcement, AgentJson.Indented);
        return (bytes, PackageSignature.Sign(bytes, oldKey));
    }

    /// <summary>Checks an announcement of <paramref name="expectedKeyId"/> signed by one of <paramref name="trusted"/>;
    /// throws <see cref="DeployErrorCode.KeyRotationInvalid"/> when it is not.</summary>
    public static KeyAnnouncement Verify(string expectedKeyId, ReadOnlySpan<byte> document, ReadOnlySpan<byte> signature, IReadOnlyList<TrustedKey> trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        try
        {
            PackageSignature.Verify(document, signature, signed: true, TrustPolicy.Require([.. trusted]));
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.SignatureInvalid)
        {
            throw new DeployException(DeployErrorCode.KeyRotationInvalid, $"The announcement of key {expectedKeyId} is not signed by a trusted key: {e.Message}", e) { Path = PathOf(expectedKeyId) };
        }

        var a = AgentJson.Parse<KeyAnnouncement>(document, PathOf(expectedKeyId));
        byte[] spki;
        try
        {
            spki = Convert.FromBase64String(a.PublicKey ?? "");
        }
        catch (FormatException e)
        {
            throw new DeployException(DeployErrorCode.KeyRotationInvalid, $"The announcement of key {expectedKeyId} holds no readable public key.", e) { Path = PathOf(expectedKeyId) };
        }

        if (a.KeyId != expectedKeyId || TrustedKey.IdOf(spki) != expectedKeyId)
        {
            throw new DeployException(DeployErrorCode.KeyRotationInvalid, $"The announcement at {PathOf(expectedKeyId)} announces key {a.KeyId} whose public key has id {TrustedKey.IdOf(spki)}; both must be {expectedKeyId}.") { Path = PathOf(expectedKeyId) };
        }

        return a;
    }

    /// <summary>The key id a signature envelope names (not verified), or <c>null</c> when it names none.</summary>
    internal static string? SignerOf(ReadOnlySpan<byte> signature)
    {
        try
        {
            using var doc = JsonDocument.Parse(signature.ToArray());
            return doc.RootElement.TryGetProperty("key_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
