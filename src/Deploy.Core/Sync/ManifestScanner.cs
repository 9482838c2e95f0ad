using System.Security.Cryptography;
using Deploy.Core.Errors;

namespace Deploy.Core.Sync;

/// <summary>Builds manifests from local files: one directory walk, no extra stat per file, hashes in parallel.</summary>
public static class ManifestScanner
{
    /// <summary>
    /// Scans every regular file below <paramref name="directory"/> (symlinks are not followed). Keys are
    /// <paramref name="keyPrefix"/> joined with the relative path (<c>/</c>-separated).
    /// </summary>
    /// <param name="directory">The local directory.</param>
    /// <param name="keyPrefix">Prefix for keys, e.g. a target directory <c>/opt/app</c>; empty for relative keys.</param>
    /// <param name="mode">With <see cref="CompareMode.Checksum"/>, SHA-256 is computed for every file.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    public static async Task<IReadOnlyList<ScannedFile>> ScanDirectoryAsync(string directory, string keyPrefix = "", CompareMode mode = CompareMode.Quick, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        var root = new DirectoryInfo(Path.GetFullPath(directory));
        if (!root.Exists)
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The directory '{directory}' does not exist.") { Path = directory };
        }

        var prefix = keyPrefix.Length == 0 ? "" : keyPrefix.TrimEnd('/') + "/";
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };
        var files = new List<ScannedFile>();
        var rootLength = root.FullName.TrimEnd('/').Length + 1;
        foreach (var f in root.EnumerateFiles("*", options))
        {
            if ((f.Attributes & FileAttributes.ReparsePoint) != 0)
            {
                continue; // a symlink (the cached attributes say so; LinkTarget would cost a readlink per file)
            }

            var rel = f.FullName[rootLength..];
            files.Add(new ScannedFile(new FileEntry(prefix + rel, f.Length, f.LastWriteTimeUtc.Ticks, f.UnixFileMode), f.FullName));
        }

        return mode == CompareMode.Checksum ? await HashAllAsync(files, cancellationToken).ConfigureAwait(false) : files;
    }

    /// <summary>Describes one local file under the key <paramref name="key"/>.</summary>
    public static async Task<ScannedFile> ScanFileAsync(string localPath, string key, CompareMode mode = CompareMode.Quick, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var f = new FileInfo(Path.GetFullPath(localPath));
        if (!f.Exists)
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The file '{localPath}' does not exist.") { Path = localPath };
        }

        var scanned = new ScannedFile(new FileEntry(key, f.Length, f.LastWriteTimeUtc.Ticks, f.UnixFileMode), f.FullName);
        if (mode == CompareMode.Checksum)
        {
            scanned = scanned with { Entry = scanned.Entry with { Sha256 = await HashFileAsync(f.FullName, cancellationToken).ConfigureAwait(false) } };
        }

        return scanned;
    }

    /// <summary>Lower-case hex SHA-256 of a local file.</summary>
    public static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexString(hash).ToLowerInvariant();
        }
    }

    private static async Task<IReadOnlyList<ScannedFile>> HashAllAsync(List<ScannedFile> files, CancellationToken cancellationToken)
    {
        var result = new ScannedFile[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) =>
            {
                var f = files[i];
                result[i] = f with { Entry = f.Entry with { Sha256 = await HashFileAsync(f.LocalPath, ct).ConfigureAwait(false) } };
            }).ConfigureAwait(false);
        return result;
    }
}
