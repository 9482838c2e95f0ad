using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// The content digest of a service folder: SHA-256 over every file and symlink below it, in ordinal order of
/// relative path, each contributing its path, kind, permission bits, length and bytes (or link target). The same
/// content gives the same digest on any machine, whatever the file times or the order the disk lists entries in.
/// </summary>
public static class ServiceDigest
{
    /// <summary>Computes the digest (lower-case hex) of <paramref name="directory"/>.</summary>
    public static async Task<string> ComputeAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = new DirectoryInfo(directory);
        if (!root.Exists)
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.LocalPathNotFound, $"The service folder '{directory}' does not exist.") { Path = directory };
        }

        var entries = root.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, ReturnSpecialDirectories = false })
            .Where(e => e is FileInfo || e.LinkTarget is not null)
            .Select(e => (Relative: Path.GetRelativePath(root.FullName, e.FullName).Replace('\\', '/'), Entry: e))
            .OrderBy(e => e.Relative, StringComparer.Ordinal)
            .ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        foreach (var (relative, entry) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mode = Convert.ToString((int)entry.UnixFileMode & 0xFFF, 8);
            if (entry.LinkTarget is { } target)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"L\0{relative}\0{target}\0"));
                continue;
            }

            var file = (FileInfo)entry;
            hash.AppendData(Encoding.UTF8.GetBytes($"F\0{relative}\0{mode}\0{file.Length.ToString(CultureInfo.InvariantCulture)}\0"));
            var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                }
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
