using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Reading;

/// <summary>A package whose every file matched its manifest and whose signature met the trust policy.</summary>
/// <param name="Version">version.json.</param>
/// <param name="Manifest">manifest.json.</param>
/// <param name="Signature">The signature check result.</param>
/// <param name="Directory">Where it was extracted (the package's top folder content), or <c>null</c> when only verified.</param>
public sealed record VerifiedPackage(VersionInfo Version, PackageManifest Manifest, SignatureCheck Signature, string? Directory)
{
    /// <summary>The folder the payload (package.tar.gz) was extracted to, or <c>null</c> when only verified.</summary>
    public string? PayloadDirectory => Directory is null ? null : Path.Combine(Directory, PackageLayout.PayloadDirectory);

    /// <summary>Total payload bytes.</summary>
    public long PayloadBytes => Manifest.Payload.Sum(p => p.Size);
}
