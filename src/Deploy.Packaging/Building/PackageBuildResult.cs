using Deploy.Packaging.Model;

namespace Deploy.Packaging.Building;

/// <summary>What a build produced.</summary>
/// <param name="Version">The package's version.json.</param>
/// <param name="Manifest">The manifest written into the package.</param>
/// <param name="Signed">Whether a manifest.sig was written.</param>
/// <param name="OutputPath">The package file, when built to a directory.</param>
/// <param name="Bytes">The package size in bytes.</param>
/// <param name="Sha256">The package file's SHA-256 (lower-case hex).</param>
public sealed record PackageBuildResult(VersionInfo Version, PackageManifest Manifest, bool Signed, string? OutputPath, long Bytes, string Sha256);
