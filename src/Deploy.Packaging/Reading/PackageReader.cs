using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Opens packages (.tar.gz, .tar or .zip), checks every file against manifest.json (both the package files and
/// every entry inside package.tar.gz: missing, extra and changed files fail), checks the signature under the
/// <see cref="TrustPolicy"/>, and refuses unsafe entries (<see cref="ArchiveEntryGuard"/>). Reading is one
/// streaming pass: memory does not grow with the package size.
/// </summary>
public sealed class PackageReader
{
    private readonly PackageReadOptions _options;

    /// <summary>Creates a reader.</summary>
    public PackageReader(PackageReadOptions? options = null) => _options = options ?? new PackageReadOptions();

    /// <summary>Verifies a package without writing anything to disk (<c>deploy package verify</c>).</summary>
    public Task<VerifiedPackage> VerifyAsync(string packagePath, CancellationToken cancellationToken = default)
        => ReadAsync(packagePath, null, cancellationToken);

    /// <summary>
    /// Extracts a package into <paramref name="destination"/> (which must not exist): the package goes into a fresh
    /// private (0700) directory beside the destination, is verified completely, and only then renamed into place.
    /// On any failure the temporary directory is removed and nothing appears at the destination.
    /// </summary>
    public async Task<VerifiedPackage> ExtractAsync(string packagePath, string destination, CancellationToken cancellationToken = default)
    {
        var (dest, verified) = await AtomicExtraction.RunAsync(destination, temp => ReadAsync(packagePath, temp, cancellationToken)).ConfigureAwait(false);
        return verified with { Directory = dest };
    }

    private async Task<VerifiedPackage> ReadAsync(string packagePath, string? directory, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadCoreAsync(packagePath, directory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            // A corrupt gzip stream (bad CRC, truncated member) or a truncated tar.
            throw new DeployException(DeployErrorCode.PackageInvalid, $"'{Path.GetFileName(packagePath)}' is corrupt or truncated: {e.Message}", e) { Path = packagePath };
        }
    }

    private async Task<VerifiedPackage> ReadCoreAsync(string packagePath, string? directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagePath);
        if (!File.Exists(packagePath))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Package '{packagePath}' does not exist.") { Path = packagePath };
        }

        var label = Path.GetFileName(packagePath);
        var guard = new ArchiveEntryGuard(_options.Limits, label);
        string? top = null;
        VersionInfo? version = null;
        byte[]? manifestBytes = null;
        PackageManifest? manifest = null;
        byte[]? signature = null;
        var observed = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);

        var source = await ArchiveSource.OpenFileAsync(packagePath, label, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            while (await source.NextAsync(cancellationToken).ConfigureAwait(false) is { } item)
            {
                var path = guard.Check(item);
                if (path is null)
                {
                    continue;
                }

                var slash = path.IndexOf('/', StringComparison.Ordinal);
                var first = slash < 0 ? path : path[..slash];
                if (top is null)
                {
                    top = first;
                }
                else if (top != first)
                {
                    throw new DeployException(DeployErrorCode.PackageInvalid, $"'{label}' has more than one top folder ('{top}' and '{first}'); a package holds exactly one, named after package_name.") { Path = path };
                }

                if (slash < 0)
                {
                    if (item.Kind != ArchiveItemKind.Directory)
                    {
                        throw new DeployException(DeployErrorCode.PackageInvalid, $"'{label}' has the file '{path}' at its top level; a package holds one top folder.") { Path = path };
                    }

                    continue;
                }

                var name = path[(slash + 1)..];
                var target = directory is null ? null : Path.Combine(directory, name);
                switch (name)
                {
                    case VersionInfo.FileName:
                        var vbytes = await ReadSmallAsync(item, name, VersionInfo.MaxFileBytes, target, cancellationToken).ConfigureAwait(false);
                        version = VersionInfo.Parse(vbytes, _options.Registry);
                        observed[name] = Describe(item, name, vbytes);
                        break;
                    case PackageManifest.FileName:
                        manifestBytes = await ReadSmallAsync(item, name, PackageManifest.MaxFileBytes, target, cancellationToken).ConfigureAwait(false);
                        manifest = PackageManifest.Parse(manifestBytes);
                        break;
                    case PackageSignature.FileName:
                        signature = await ReadSmallAsync(item, name, PackageSignature.MaxFileBytes, target, cancellationToken).ConfigureAwait(false);
                        break;
                    case PackageLayout.Launcher:
                        var lbytes = await ReadSmallAsync(item, name, VersionInfo.MaxFileBytes, target, cancellationToken).ConfigureAwait(false);
                        observed[name] = Describe(item, name, lbytes);
                        break;
                    case PackageLayout.PayloadArchive:
                        observed[name] = await ReadPayloadAsync(item, manifest, directory, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{path}' is in '{label}' but is not part of the package layout or manifest (extra file).") { Path = path };
                }
            }

            await source.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        if (manifest is null || manifestBytes is null)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"'{label}' has no {PackageManifest.FileName}; it was not built by PackageBuilder (or the file was removed).") { Path = PackageManifest.FileName };
        }

        if (version is null)
        {
            throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{label}' has no {VersionInfo.FileName}.") { Path = VersionInfo.FileName };
        }

        if (manifest.PackageName != version.PackageName || top != version.PackageName)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"The top folder '{top}', manifest package_name '{manifest.PackageName}' and version.json package_name '{version.PackageName}' must be the same.") { Path = "package_name" };
        }

        CompareFiles(manifest, observed, label);
        var check = PackageSignature.Verify(manifestBytes, signature ?? [], signature is not null, _options.Trust);
        return new VerifiedPackage(version, manifest, check, directory);
    }

    private async Task<ManifestEntry> ReadPayloadAsync(ArchiveItem item, PackageManifest? manifest, string? directory, CancellationToken cancellationToken)
    {
        if (manifest is null)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"{PackageLayout.PayloadArchive} comes before {PackageManifest.FileName}; the manifest must precede the payload (PackageBuilder writes it so).") { Path = PackageLayout.PayloadArchive };
        }

        _ = manifest.Files.FirstOrDefault(f => f.Path == PackageLayout.PayloadArchive)
            ?? throw new DeployException(DeployErrorCode.ManifestMismatch, $"{PackageLayout.PayloadArchive} is not in the manifest (extra file).") { Path = PackageLayout.PayloadArchive };
        // A payload whose size differs from the manifest is still read: the inner entries, each checked against the
        // manifest (and bounded by its sizes), say which file changed; the final hash comparison catches the rest.
        var hashing = new HashingReadStream(item.Data ?? Stream.Null);
        await using (hashing.ConfigureAwait(false))
        {
            var inner = await ArchiveSource.OpenStreamAsync(hashing, PackageLayout.PayloadArchive, ownsStream: false, cancellationToken).ConfigureAwait(false);
            await using (inner.ConfigureAwait(false))
            {
                var payloadDir = directory is null ? null : Path.Combine(directory, PackageLayout.PayloadDirectory);
                if (payloadDir is not null)
                {
                    Directory.CreateDirectory(payloadDir);
                }

                await new LayerExtractor(_options.Limits, PackageLayout.PayloadArchive, payloadDir, manifest.Payload).RunAsync(inner, cancellationToken).ConfigureAwait(false);
            }

            // Whatever follows the inner archive's end still counts toward the hash.
            var rest = new byte[1 << 16];
            while (await hashing.ReadAsync(rest, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            return new ManifestEntry(PackageLayout.PayloadArchive, ManifestEntryKind.File, hashing.BytesRead, hashing.HashHex(), item.Mode & 0b111_111_111_111);
        }
    }

    private static void CompareFiles(PackageManifest manifest, Dictionary<string, ManifestEntry> observed, string label)
    {
        foreach (var want in manifest.Files)
        {
            if (!observed.TryGetValue(want.Path, out var got))
            {
                throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{want.Path}' is in the manifest but missing from '{label}'.") { Path = want.Path };
            }

            if (got.Sha256 != want.Sha256 || got.Size != want.Size)
            {
                throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{want.Path}' differs from the manifest (sha256 {got.Sha256}, {got.Size} bytes; expected {want.Sha256}, {want.Size} bytes): the file was changed.") { Path = want.Path };
            }

            if (got.Mode != want.Mode)
            {
                throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{want.Path}' has mode {Convert.ToString(got.Mode, 8)} but the manifest says {Convert.ToString(want.Mode, 8)}.") { Path = want.Path };
            }
        }

        foreach (var path in observed.Keys)
        {
            if (manifest.Files.All(f => f.Path != path))
            {
                throw new DeployException(DeployErrorCode.ManifestMismatch, $"'{path}' is in '{label}' but not in the manifest (extra file).") { Path = path };
            }
        }
    }

    private static ManifestEntry Describe(ArchiveItem item, string name, byte[] bytes)
        => new(name, ManifestEntryKind.File, bytes.Length, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), item.Mode & 0b111_111_111_111);

    private static async Task<byte[]> ReadSmallAsync(ArchiveItem item, string name, int max, string? target, CancellationToken cancellationToken)
    {
        if (item.Kind != ArchiveItemKind.File)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"'{name}' must be a regular file, found a {item.Kind}.") { Path = name };
        }

        if (item.Length > max)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"'{name}' is {item.Length} bytes; the limit is {max} bytes.") { Path = name };
        }

        var bytes = new byte[item.Length];
        await (item.Data ?? Stream.Null).ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (target is not null)
        {
            await File.WriteAllBytesAsync(target, bytes, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(target, (UnixFileMode)(item.Mode & 0b111_111_111));
        }

        return bytes;
    }
}
