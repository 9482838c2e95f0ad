using Deploy.Core.Errors;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Decides, entry by entry, whether an archive is safe to extract, keeping what earlier entries created (names,
/// case-folded names, symlinks, files) so that tricks spread over several entries are caught too. Returns the
/// normalized relative path of each entry, or throws <see cref="DeployErrorCode.UnsafeArchiveEntry"/> naming it.
/// <paramref name="expectedEntries"/>, when known, sizes the tables once instead of growing them by doubling.
/// </summary>
internal sealed class ArchiveEntryGuard(ExtractionLimits limits, string archiveLabel, int expectedEntries = 0)
{
    private const int MaxLinkHops = 40;
    private readonly Dictionary<string, ArchiveItemKind> _seen = new(Math.Min(expectedEntries, limits.MaxEntries), StringComparer.Ordinal);
    private readonly Dictionary<string, string> _folded = new(Math.Min(expectedEntries, limits.MaxEntries), StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _symlinks = new(StringComparer.Ordinal);
    private long _totalBytes;
    private int _entries;

    /// <summary>Kinds of the entries accepted so far, by normalized path.</summary>
    public IReadOnlyDictionary<string, ArchiveItemKind> Seen => _seen;

    /// <summary>Validates <paramref name="item"/>; returns its normalized path, or <c>null</c> for the archive
    /// root directory (<c>./</c>), which is skipped.</summary>
    public string? Check(ArchiveItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (++_entries > limits.MaxEntries)
        {
            throw Unsafe(item.Name, $"the archive has more than {limits.MaxEntries} entries");
        }

        var path = Normalize(item.Name, item.Name, "name");
        if (path is null)
        {
            return item.Kind == ArchiveItemKind.Directory ? null : throw Unsafe(item.Name, "the entry has no name");
        }

        if (item.Kind == ArchiveItemKind.Special)
        {
            throw Unsafe(item.Name, "device files, FIFOs and sockets are never extracted");
        }

        if ((item.Mode & 0b110_000_000_000) != 0 && !limits.AllowSetuid && item.Kind != ArchiveItemKind.Symlink)
        {
            throw Unsafe(item.Name, $"the entry has setuid/setgid bits (mode {Convert.ToString(item.Mode, 8)}); set ExtractionLimits.AllowSetuid to accept them");
        }

        if (_seen.ContainsKey(path))
        {
            throw Unsafe(item.Name, "the archive holds this path twice (a later entry would silently replace the earlier one)");
        }

        if (_folded.TryGetValue(path, out var other))
        {
            throw Unsafe(item.Name, $"the name differs from '{other}' only in letter case, so the two collide on case-insensitive file systems");
        }

        CheckParents(item.Name, path);

        _totalBytes += Math.Max(0, item.Length);
        if (item.Length < 0 || _totalBytes > limits.MaxTotalBytes)
        {
            throw Unsafe(item.Name, $"the archive expands beyond {limits.MaxTotalBytes} bytes (decompression bomb guard; raise ExtractionLimits.MaxTotalBytes if this is expected)");
        }

        switch (item.Kind)
        {
            case ArchiveItemKind.Symlink:
                _symlinks[path] = ResolveLink(item, path);
                break;
            case ArchiveItemKind.HardLink:
                var target = Normalize(item.LinkTarget ?? "", item.Name, "hard link target")
                    ?? throw Unsafe(item.Name, "the hard link has no target");
                if (!_seen.TryGetValue(target, out var kind) || kind != ArchiveItemKind.File)
                {
                    throw Unsafe(item.Name, $"the hard link points to '{item.LinkTarget}', which is not an earlier regular file of the archive");
                }

                break;
        }

        _seen[path] = item.Kind;
        _folded[path] = path;
        return path;
    }

    /// <summary>Counts bytes that follow the last entry (padding) toward the total.</summary>
    public void CountTrailing(long bytes, string name)
    {
        _totalBytes += bytes;
        if (_totalBytes > limits.MaxTotalBytes)
        {
            throw Unsafe(name, $"the archive expands beyond {limits.MaxTotalBytes} bytes (decompression bomb guard)");
        }
    }

    private void CheckParents(string raw, string path)
    {
        var slash = -1;
        while ((slash = path.IndexOf('/', slash + 1)) >= 0)
        {
            var parent = path.AsSpan(0, slash);
            if (_symlinks.Count > 0 && IsSymlink(parent))
            {
                throw Unsafe(raw, $"the path goes through the symlink '{parent}' of an earlier entry (it could write outside the extraction root)");
            }

            if (TryGetSeen(parent, out var k) && k != ArchiveItemKind.Directory)
            {
                throw Unsafe(raw, $"the parent '{parent}' is a file, not a directory");
            }
        }
    }

#if NET9_0_OR_GREATER
    // Span lookups: checking the parents of every entry allocates no substrings.
    private bool IsSymlink(ReadOnlySpan<char> path) => _symlinks.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(path);

    private bool TryGetSeen(ReadOnlySpan<char> path, out ArchiveItemKind kind) => _seen.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(path, out kind);
#else
    private bool IsSymlink(ReadOnlySpan<char> path) => _symlinks.ContainsKey(path.ToString());

    private bool TryGetSeen(ReadOnlySpan<char> path, out ArchiveItemKind kind) => _seen.TryGetValue(path.ToString(), out kind);
#endif

    private string ResolveLink(ArchiveItem item, string path)
    {
        var target = item.LinkTarget;
        if (string.IsNullOrEmpty(target))
        {
            throw Unsafe(item.Name, "the symlink has an empty target");
        }

        if (target.StartsWith('/'))
        {
            throw Unsafe(item.Name, $"the symlink points to the absolute path '{target}', outside the extraction root");
        }

        if (target.Contains('\\', StringComparison.Ordinal) || target.Contains('\0', StringComparison.Ordinal))
        {
            throw Unsafe(item.Name, "the symlink target contains a backslash or NUL");
        }

        // Resolve lexically from the link's directory, substituting earlier symlinks of the archive.
        var stack = new List<string>(path.Split('/')[..^1]);
        var pending = new Queue<string>(target.Split('/'));
        var hops = 0;
        while (pending.Count > 0)
        {
            var seg = pending.Dequeue();
            if (seg.Length == 0 || seg == ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (stack.Count == 0)
                {
                    throw Unsafe(item.Name, $"the symlink target '{target}' resolves outside the extraction root");
                }

                stack.RemoveAt(stack.Count - 1);
                continue;
            }

            stack.Add(seg);
            var current = string.Join('/', stack);
            if (_symlinks.TryGetValue(current, out var resolved))
            {
                if (++hops > MaxLinkHops)
                {
                    throw Unsafe(item.Name, "the symlink chain is too long or loops");
                }

                stack = resolved.Length == 0 ? [] : [.. resolved.Split('/')];
            }
        }

        return string.Join('/', stack);
    }

    /// <summary>Normalizes an entry name: refuses absolute paths, <c>..</c>, backslashes, drive letters and control
    /// characters; drops <c>.</c> and empty segments. Returns <c>null</c> for the root.</summary>
    private string? Normalize(string name, string entryName, string what)
    {
        if (name.Length == 0)
        {
            return null;
        }

        if (name.AsSpan().IndexOfAnyInRange('\0', (char)0x1f) >= 0 || name.Contains('\x7f', StringComparison.Ordinal))
        {
            throw Unsafe(entryName, $"the {what} contains control characters");
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            throw Unsafe(entryName, $"the {what} contains a backslash (on Windows tools it is a path separator that can hide '..')");
        }

        if (name.StartsWith('/'))
        {
            throw Unsafe(entryName, $"the {what} is an absolute path");
        }

        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            throw Unsafe(entryName, $"the {what} starts with a drive letter");
        }

        if (IsClean(name))
        {
            // The common case: nothing to drop but a directory's trailing slash, so no new strings.
            return name[^1] == '/' ? name[..^1] : name;
        }

        var segments = new List<string>();
        foreach (var seg in name.Split('/'))
        {
            if (seg.Length == 0 || seg == ".")
            {
                continue;
            }

            if (seg == "..")
            {
                throw Unsafe(entryName, $"the {what} contains a '..' segment");
            }

            segments.Add(seg);
        }

        return segments.Count == 0 ? null : string.Join('/', segments);
    }

    /// <summary>True when every segment of <paramref name="name"/> (ignoring one trailing slash) is non-empty and
    /// neither <c>.</c> nor <c>..</c>, so that normalizing it changes nothing else.</summary>
    private static bool IsClean(string name)
    {
        var rest = name.AsSpan();
        if (rest[^1] == '/')
        {
            rest = rest[..^1];
        }

        while (true)
        {
            var slash = rest.IndexOf('/');
            var seg = slash < 0 ? rest : rest[..slash];
            if (seg.IsEmpty || seg is "." || seg is "..")
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            rest = rest[(slash + 1)..];
        }
    }

    private DeployException Unsafe(string entry, string why)
        => new(DeployErrorCode.UnsafeArchiveEntry, $"Refusing entry '{Printable(entry)}' of '{archiveLabel}': {why}.") { Path = Printable(entry) };

    private static string Printable(string s) => new(s.Select(c => c < ' ' || c == '\x7f' ? '?' : c).ToArray());
}
