namespace Deploy.Core.Sync;

/// <summary>The differences between a desired and a recorded manifest (pure: no I/O).</summary>
public sealed record ManifestDiff(IReadOnlyList<FileChange> Changes)
{
    /// <summary>Whether nothing differs.</summary>
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>Files to send (added or modified).</summary>
    public IEnumerable<FileChange> ToTransfer => Changes.Where(c => c.Kind != FileChangeKind.Removed);

    /// <summary>Files to delete.</summary>
    public IEnumerable<FileChange> ToRemove => Changes.Where(c => c.Kind == FileChangeKind.Removed);

    /// <summary>
    /// Compares <paramref name="desired"/> with <paramref name="recorded"/>. In <see cref="CompareMode.Quick"/> a
    /// file differs when its size, full-precision modification time or mode differs; in
    /// <see cref="CompareMode.Checksum"/> when its size, SHA-256 (missing on either side counts as different) or
    /// mode differs.
    /// </summary>
    public static ManifestDiff Compare(FileManifest desired, FileManifest recorded, CompareMode mode = CompareMode.Quick)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(recorded);
        return Compare(desired.Entries, recorded.Entries, mode);
    }

    /// <summary>
    /// <see cref="Compare(FileManifest, FileManifest, CompareMode)"/> on entry lists in any order (a path twice on
    /// either side is refused): one index of the recorded side and no sorting of the unchanged entries (a redeploy of
    /// 10,000 files with 10 changed sorts 10). Changes come in the same order: added and modified by path, then removed by path.
    /// </summary>
    internal static ManifestDiff Compare(IReadOnlyList<FileEntry> desired, IReadOnlyList<FileEntry> recorded, CompareMode mode)
    {
        var index = new Dictionary<string, int>(recorded.Count, StringComparer.Ordinal);
        for (var i = 0; i < recorded.Count; i++)
        {
            if (!index.TryAdd(recorded[i].Path, i))
            {
                throw new ArgumentException($"The manifest lists '{recorded[i].Path}' twice.", nameof(recorded));
            }
        }

        var seen = new bool[recorded.Count];
        var matched = 0;
        var changes = new List<FileChange>();
        HashSet<string>? added = null;
        foreach (var d in desired)
        {
            if (!index.TryGetValue(d.Path, out var i))
            {
                if (!(added ??= new HashSet<string>(StringComparer.Ordinal)).Add(d.Path))
                {
                    throw new ArgumentException($"The manifest lists '{d.Path}' twice.", nameof(desired));
                }

                changes.Add(new FileChange(FileChangeKind.Added, d.Path, null, d));
                continue;
            }

            if (seen[i])
            {
                throw new ArgumentException($"The manifest lists '{d.Path}' twice.", nameof(desired));
            }

            seen[i] = true;
            matched++;
            var r = recorded[i];
            if (Differs(d, r, mode))
            {
                changes.Add(new FileChange(FileChangeKind.Modified, d.Path, r, d));
            }
        }

        changes.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        if (matched < recorded.Count)
        {
            var removed = new List<FileChange>(recorded.Count - matched);
            for (var i = 0; i < recorded.Count; i++)
            {
                if (!seen[i])
                {
                    removed.Add(new FileChange(FileChangeKind.Removed, recorded[i].Path, recorded[i], null));
                }
            }

            removed.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
            changes.AddRange(removed);
        }

        return new ManifestDiff(changes);
    }

    /// <summary>Whether two entries for the same path differ under <paramref name="mode"/>.</summary>
    public static bool Differs(FileEntry desired, FileEntry recorded, CompareMode mode)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(recorded);
        if (desired.Size != recorded.Size || desired.Mode != recorded.Mode)
        {
            return true;
        }

        return mode == CompareMode.Quick
            ? desired.ModifiedUtcTicks != recorded.ModifiedUtcTicks
            : desired.Sha256 is null || recorded.Sha256 is null || !string.Equals(desired.Sha256, recorded.Sha256, StringComparison.Ordinal);
    }
}
