using System.Security.Cryptography;
using System.Text.Json;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Signing;

/// <summary>
/// manifest.sig: an ECDSA P-256 / SHA-256 signature over the exact bytes of manifest.json, stored as
/// <c>{"algorithm":"ecdsa-p256-sha256","key_id":"…","signature":"base64"}</c>. Because the manifest holds the hash
/// of every file (payload entries included), the signature covers the whole package.
/// </summary>
public static class PackageSignature
{
    /// <summary>The file name inside a package.</summary>
    public const string FileName = "manifest.sig";

    /// <summary>The algorithm name written in the envelope.</summary>
    public const string Algorithm = "ecdsa-p256-sha256";

    /// <summary>The largest signature file accepted.</summary>
    public const int MaxFileBytes = 64 * 1024;

    /// <summary>Signs manifest bytes with a P-256 private key.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> manifest, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.KeySize != 256)
        {
            throw new ArgumentException($"Package signing keys must be ECDSA P-256; this one has {key.KeySize} bits.", nameof(key));
        }

        var signature = key.SignData(manifest, HashAlgorithmName.SHA256);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("algorithm", Algorithm);
            w.WriteString("key_id", TrustedKey.IdOf(key.ExportSubjectPublicKeyInfo()));
            w.WriteString("public_key", Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
            w.WriteString("signature", Convert.ToBase64String(signature));
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    /// <summary>Checks <paramref name="signature"/> (may be <c>null</c> for an unsigned package) over
    /// <paramref name="manifest"/> under <paramref name="policy"/>; throws <see cref="DeployErrorCode.SignatureInvalid"/>
    /// when the policy is not met.</summary>
    public static SignatureCheck Verify(ReadOnlySpan<byte> manifest, ReadOnlySpan<byte> signature, bool signed, TrustPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!signed)
        {
            if (policy.RequireSignature)
            {
                throw Invalid("The package is not signed (no manifest.sig) and the trust policy requires a signature. Sign it with PackageBuilder.SignWith(key).");
            }

            return new SignatureCheck(SignatureStatus.Unsigned, null);
        }

        string keyId;
        byte[] spki;
        byte[] sig;
        try
        {
            using var doc = JsonDocument.Parse(signature.ToArray());
            var root = doc.RootElement;
            if (root.GetProperty("algorithm").GetString() != Algorithm)
            {
                throw Invalid($"manifest.sig uses algorithm '{root.GetProperty("algorithm").GetString()}'; only '{Algorithm}' is accepted.");
            }

            keyId = root.GetProperty("key_id").GetString() ?? "";
            spki = Convert.FromBase64String(root.GetProperty("public_key").GetString() ?? "");
            sig = Convert.FromBase64String(root.GetProperty("signature").GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw Invalid($"manifest.sig is malformed: {e.Message}", e);
        }

        if (TrustedKey.IdOf(spki) != keyId)
        {
            throw Invalid("manifest.sig names a key id that does not match its public key.");
        }

        TrustedKey? trusted = null;
        if (policy.TrustedKeys.Count > 0)
        {
            trusted = policy.TrustedKeys.FirstOrDefault(k => k.KeyId == keyId)
                ?? throw Invalid($"The package is signed by key {keyId}, which is not one of the {policy.TrustedKeys.Count} trusted keys.");
        }
        else if (policy.RequireSignature)
        {
            throw Invalid("The trust policy requires a signature but trusts no key; add the publisher's public key (PEM).");
        }

        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(trusted is null ? spki : trusted.SubjectPublicKeyInfo.Span, out _);
        }
        catch (CryptographicException e)
        {
            throw Invalid($"manifest.sig holds an unreadable public key: {e.Message}", e);
        }

        if (!ecdsa.VerifyData(manifest, sig, HashAlgorithmName.SHA256))
        {
            throw Invalid($"The signature of manifest.json by key {keyId} is invalid: the manifest was changed after signing, or the signature is corrupt.");
        }

        return new SignatureCheck(trusted is null ? SignatureStatus.SignedByUnknownKey : SignatureStatus.Trusted, keyId);
    }

    private static DeployException Invalid(string message, Exception? inner = null)
        => new(DeployErrorCode.SignatureInvalid, message, inner) { Path = FileName };
}
