using System.Security.Cryptography;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Signing;

/// <summary>A public key whose package signatures are trusted. <see cref="KeyId"/> is the lower-case hex
/// SHA-256 of the key's SubjectPublicKeyInfo (DER), the id a signature names.</summary>
/// <param name="KeyId">The key id.</param>
/// <param name="SubjectPublicKeyInfo">The DER-encoded public key.</param>
public sealed record TrustedKey(string KeyId, ReadOnlyMemory<byte> SubjectPublicKeyInfo)
{
    /// <summary>Reads a PEM <c>PUBLIC KEY</c> (ECDSA P-256). Throws <see cref="DeployErrorCode.InvalidConfiguration"/>
    /// when the text holds no such key.</summary>
    public static TrustedKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"The trusted key is not a PEM ECDSA public key: {e.Message}", e);
        }

        if (ecdsa.KeySize != 256)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"Trusted keys must be ECDSA P-256; this one has {ecdsa.KeySize} bits.");
        }

        return FromKey(ecdsa);
    }

    /// <summary>The trusted public half of <paramref name="key"/>.</summary>
    public static TrustedKey FromKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var spki = key.ExportSubjectPublicKeyInfo();
        return new TrustedKey(IdOf(spki), spki);
    }

    /// <summary>Reads a PEM public key file.</summary>
    public static async Task<TrustedKey> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Trusted key file '{path}' does not exist.") { Path = path };
        }

        return FromPem(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
    }

    internal static string IdOf(ReadOnlySpan<byte> spki) => Convert.ToHexString(SHA256.HashData(spki)).ToLowerInvariant();
}
