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
        var changes = new List<FileChange>();
        foreach (var d in desired.Entries)
        {
            var r = recorded.Find(d.Path);
            if (r is null)
            {
                changes.Add(new FileChange(FileChangeKind.Added, d.Path, null, d));
            }
            else if (Differs(d, r, mode))
            {
                changes.Add(new FileChange(FileChangeKind.Modified, d.Path, r, d));
            }
        }

        foreach (var r in recorded.Entries)
        {
            if (!desired.Contains(r.Path))
            {
                changes.Add(new FileChange(FileChangeKind.Removed, r.Path, r, null));
            }
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
