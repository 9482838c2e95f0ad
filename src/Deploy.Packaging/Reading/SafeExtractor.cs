using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Extracts any tar, tar.gz or zip archive safely — the same rules <see cref="PackageReader"/> applies to
/// packages: no absolute paths, <c>..</c>, backslashes, links out of the root (directly or via an earlier link),
/// devices or FIFOs, setuid bits (unless allowed), duplicates, case collisions, and a cap on total bytes. The
/// archive goes into a fresh private directory beside the destination and is renamed into place only when every
/// entry was accepted, so a refused archive leaves nothing behind.
/// </summary>
internal sealed class SafeExtractor
{
    private readonly ExtractionLimits _limits;

    /// <summary>Creates an extractor with <paramref name="limits"/> (defaults when <c>null</c>).</summary>
    public SafeExtractor(ExtractionLimits? limits = null) => _limits = limits ?? new ExtractionLimits();

    /// <summary>Extracts <paramref name="archivePath"/> into <paramref name="destination"/> (which must not exist)
    /// and returns what was extracted (path, kind, size, sha256 and mode of every entry).</summary>
    public async Task<IReadOnlyList<ManifestEntry>> ExtractAsync(string archivePath, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        if (!File.Exists(archivePath))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Archive '{archivePath}' does not exist.") { Path = archivePath };
        }

        var (_, entries) = await AtomicExtraction.RunAsync(destination, async temp =>
        {
            try
            {
                var source = await ArchiveSource.OpenFileAsync(archivePath, Path.GetFileName(archivePath), cancellationToken).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    return await new LayerExtractor(_limits, Path.GetFileName(archivePath), temp, null).RunAsync(source, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw new DeployException(DeployErrorCode.PackageInvalid, $"'{Path.GetFileName(archivePath)}' is corrupt or truncated: {e.Message}", e) { Path = archivePath };
            }
        }).ConfigureAwait(false);
        return entries;
    }
}
