using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.IO;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Extracts (or, without a destination, only hashes) one archive layer: every entry passes the
/// <see cref="ArchiveEntryGuard"/>, and, when an expected manifest is given, must match it exactly (an extra,
/// missing or changed entry fails; a size beyond the manifest is refused before any byte is read). Returns what was
/// observed, as manifest entries.
/// </summary>
internal sealed class LayerExtractor(ExtractionLimits limits, string label, string? destination, IReadOnlyList<ManifestEntry>? expected)
{
    private const int Permissions = 0b111_111_111_111;
    private readonly FileStreamOptions _create = new()
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,
        BufferSize = 0,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };

    private string? _lastParent;

    public async Task<IReadOnlyList<ManifestEntry>> RunAsync(ArchiveSource source, CancellationToken cancellationToken)
    {
        var guard = new ArchiveEntryGuard(limits, label, expected?.Count ?? 0);
        var expectedByPath = expected?.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var observed = new Dictionary<string, ManifestEntry>(expected?.Count ?? 0, StringComparer.Ordinal);
        var directories = new List<(string Path, int Mode)>();
        // One read-ahead chunk: file content is hashed and written in pieces this large.
        var buffer = new byte[256 * 1024];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        {
            while (await source.NextAsync(cancellationToken).ConfigureAwait(false) is { } item)
            {
                var path = guard.Check(item);
                if (path is null)
                {
                    continue;
                }

                ManifestEntry? want = null;
                if (expectedByPath is not null)
                {
                    if (!expectedByPath.TryGetValue(path, out want))
                    {
                        throw Mismatch(path, $"'{path}' is in {label} but not in the manifest (extra file)");
                    }

                    var wantKind = item.Kind switch
                    {
                        ArchiveItemKind.Directory => ManifestEntryKind.Directory,
                        ArchiveItemKind.Symlink => ManifestEntryKind.Symlink,
                        _ => ManifestEntryKind.File,
                    };
                    if (want.Kind != wantKind)
                    {
                        throw Mismatch(path, $"'{path}' is a {wantKind} in {label} but a {want.Kind} in the manifest");
                    }

                    if (item.Kind == ArchiveItemKind.File && item.Length != want.Size)
                    {
                        throw new DeployException(
                            DeployErrorCode.UnsafeArchiveEntry,
                            $"Refusing entry '{path}' of '{label}': it declares {item.Length} bytes but the manifest says {want.Size}.")
                        { Path = path };
                    }

                    if ((item.Mode & Permissions) != want.Mode && item.Kind != ArchiveItemKind.Symlink)
                    {
                        throw Mismatch(path, $"'{path}' has mode {Convert.ToString(item.Mode & Permissions, 8)} but the manifest says {Convert.ToString(want.Mode, 8)}");
                    }
                }

                var real = destination is null ? null : Path.Combine(destination, path);
                ManifestEntry entry;
                switch (item.Kind)
                {
                    case ArchiveItemKind.Directory:
                        if (real is not null)
                        {
                            Directory.CreateDirectory(real);
                            directories.Add((real, item.Mode & Permissions));
                        }

                        entry = new ManifestEntry(path, ManifestEntryKind.Directory, 0, "", item.Mode & Permissions);
                        break;
                    case ArchiveItemKind.Symlink:
                        if (real is not null)
                        {
                            EnsureParent(real);
                            File.CreateSymbolicLink(real, item.LinkTarget!);
                        }

                        entry = new ManifestEntry(path, ManifestEntryKind.Symlink, 0, "", 0b111_111_111, item.LinkTarget);
                        break;
                    case ArchiveItemKind.HardLink:
                        // Materialized as a copy: portable, and the copy cannot alias a file outside the root.
                        var targetPath = observed[NormalizeTarget(item.LinkTarget!)];
                        if (real is not null)
                        {
                            EnsureParent(real);
                            File.Copy(Path.Combine(destination!, targetPath.Path), real);
                            File.SetUnixFileMode(real, (UnixFileMode)(item.Mode & Permissions));
                        }

                        entry = targetPath with { Path = path, Mode = item.Mode & Permissions, LinkTarget = null };
                        break;
                    default:
                        entry = await WriteFileAsync(item, path, real, want, buffer, hash, cancellationToken).ConfigureAwait(false);
                        break;
                }

                if (want is not null && entry.Kind == ManifestEntryKind.File && entry.Sha256 != want.Sha256)
                {
                    throw Mismatch(path, $"'{path}' differs from the manifest (sha256 {entry.Sha256}, expected {want.Sha256}): the file was changed");
                }

                if (want is not null && entry.Kind == ManifestEntryKind.Symlink && entry.LinkTarget != want.LinkTarget)
                {
                    throw Mismatch(path, $"symlink '{path}' points to '{entry.LinkTarget}' but the manifest says '{want.LinkTarget}'");
                }

                // An entry equal to the manifest's is kept as the manifest's object: one copy of its strings.
                observed[path] = want is not null && entry == want ? want : entry;
            }

            await source.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        if (expectedByPath is not null)
        {
            var missing = expectedByPath.Keys.Where(k => !observed.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
            if (missing.Length > 0)
            {
                throw Mismatch(missing[0], $"{missing.Length} file(s) of the manifest are missing from {label}: {string.Join(", ", missing.Take(5))}");
            }
        }

        // Directory modes last (deepest first), so a read-only directory does not block its own children.
        foreach (var (dir, mode) in directories.OrderByDescending(d => d.Path.Length))
        {
            File.SetUnixFileMode(dir, (UnixFileMode)mode);
        }

        return observed.Values.OrderBy(e => e.Path, StringComparer.Ordinal).ToArray();
    }

    private static string NormalizeTarget(string name)
        => string.Join('/', name.Split('/').Where(s => s.Length > 0 && s != "."));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ManifestEntry> WriteFileAsync(ArchiveItem item, string path, string? real, ManifestEntry? want, byte[] buffer, IncrementalHash hash, CancellationToken cancellationToken)
    {
        FileStream? output = null;
        if (real is not null)
        {
            EnsureParent(real);
            _create.PreallocationSize = item.Length;
            output = new FileStream(real, _create);
        }

        var mode = item.Mode & Permissions;
        var handle = output?.SafeFileHandle;
        try
        {
            var data = item.Data ?? Stream.Null;
            long written = 0;
            while (written < item.Length)
            {
                var n = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, item.Length - written)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new DeployException(DeployErrorCode.PackageInvalid, $"Entry '{path}' of '{label}' is truncated: {item.Length - written} of {item.Length} bytes are missing.") { Path = path };
                }

                hash.AppendData(buffer, 0, n);
                if (handle is not null)
                {
                    // Written on this thread: FileStream.WriteAsync would run the same write on a thread-pool thread,
                    // allocating a work item per file and paying a thread switch per chunk.
                    RandomAccess.Write(handle, buffer.AsSpan(0, n), written);
                }

                written += n;
            }

            // A zip entry can inflate to more than it declares: that is a bomb, not a file.
            if (await data.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
            {
                throw new DeployException(DeployErrorCode.UnsafeArchiveEntry, $"Refusing entry '{path}' of '{label}': its content is longer than the {item.Length} bytes it declares.") { Path = path };
            }

            if (handle is not null)
            {
                File.SetUnixFileMode(handle, (UnixFileMode)mode);
            }
        }
        finally
        {
            if (output is not null)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }

        Span<byte> sha = stackalloc byte[32];
        hash.GetHashAndReset(sha);

        // The manifest's string when the hash matches it (the usual case): no second copy per file.
        var hex = want is not null && HexString.EqualsLower(sha, want.Sha256) ? want.Sha256 : HexString.Lower(sha);
        return new ManifestEntry(path, ManifestEntryKind.File, item.Length, hex, mode);
    }

    /// <summary>Creates the parent folder of <paramref name="real"/>, unless it is the one the previous entry
    /// needed (archives list a folder's files together: one check per folder, not per file).</summary>
    private void EnsureParent(string real)
    {
        var parent = real.AsSpan(0, real.LastIndexOf('/'));
        if (_lastParent is not null && parent.SequenceEqual(_lastParent))
        {
            return;
        }

        _lastParent = parent.ToString();
        Directory.CreateDirectory(_lastParent);
    }

    private DeployException Mismatch(string path, string message)
        => new(DeployErrorCode.ManifestMismatch, $"{message}.") { Path = path };
}
