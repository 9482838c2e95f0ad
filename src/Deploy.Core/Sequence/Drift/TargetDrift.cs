using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.Drift;

/// <summary>How a deployed file differs on the target from what the last apply recorded.</summary>
public enum DriftKind
{
    /// <summary>The file is there but its size, modification time, mode or kind differs from the record.</summary>
    Changed,

    /// <summary>The file is gone from the target.</summary>
    Deleted,
}

/// <summary>One deployed file found different on the target.</summary>
/// <param name="Path">The target path.</param>
/// <param name="Kind">Changed or deleted.</param>
/// <param name="Live">What the target holds now (<c>null</c> when deleted); size, mtime and mode of the live file.</param>
/// <param name="Detail">What differs, e.g. <c>size 120 -> 7</c>.</param>
public sealed record DriftedFile(string Path, DriftKind Kind, FileEntry? Live, string Detail)
{
    /// <summary>The reason a plan gives for sending the file again.</summary>
    public string Reason => Kind == DriftKind.Deleted
        ? "deleted on the target"
        : $"changed on the target since the last deploy ({Detail})";
}

/// <summary>
/// The deployed files found different on the live target (a drift check, <see cref="PlanOptions.Verify"/>): the
/// planner treats each as unknown, so it is sent again with its reason. Made by <see cref="Compare"/> (pure).
/// </summary>
public sealed class TargetDrift
{
    private readonly Dictionary<string, DriftedFile> _byPath;

    /// <summary>Creates a drift from its files.</summary>
    /// <param name="files">The drifted files (one per path).</param>
    public TargetDrift(IReadOnlyList<DriftedFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
        _byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
    }

    /// <summary>The drifted files, by path order.</summary>
    public IReadOnlyList<DriftedFile> Files { get; }

    /// <summary>No drift.</summary>
    public static TargetDrift None { get; } = new([]);

    /// <summary>Whether every checked file matched its record.</summary>
    public bool IsEmpty => Files.Count == 0;

    /// <summary>
    /// Compares the recorded files under the checked roots with the live listing. A recorded file under a checked
    /// root that the listing lacks is deleted; one whose kind, size, full-precision mtime or permission bits
    /// differ is changed. Recorded files outside every checked root are not judged.
    /// </summary>
    /// <param name="recorded">The recorded state.</param>
    /// <param name="checkedRoots">The target roots that were listed (absolute).</param>
    /// <param name="live">Every live entry found under those roots, keyed by absolute path.</param>
    public static TargetDrift Compare(TargetState recorded, IReadOnlyList<string> checkedRoots, IReadOnlyDictionary<string, RemoteFileInfo> live)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(checkedRoots);
        ArgumentNullException.ThrowIfNull(live);
        var files = new List<DriftedFile>();
        foreach (var f in recorded.Files.Concat(recorded.Components.SelectMany(c => c.Files)).Select(r => r.Entry))
        {
            if (!checkedRoots.Any(root => IsUnder(f.Path, root)))
            {
                continue;
            }

            if (!live.TryGetValue(f.Path, out var now))
            {
                files.Add(new DriftedFile(f.Path, DriftKind.Deleted, null, "deleted"));
                continue;
            }

            var detail = Differences(f, now);
            if (detail is not null)
            {
                var entry = new FileEntry(f.Path, now.Size, now.ModifiedTime.UtcTicks, now.Mode & PermissionBits);
                files.Add(new DriftedFile(f.Path, DriftKind.Changed, entry, detail));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new TargetDrift(files);
    }

    /// <summary>The drifted file at <paramref name="path"/>, if any.</summary>
    public DriftedFile? Find(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>
    /// <paramref name="recorded"/> as the target really is: deleted files forgotten, changed files recorded with
    /// their live size, mtime and mode (so a plan sends them again, or deletes them when no longer deployed).
    /// </summary>
    internal TargetState ApplyTo(TargetState recorded)
    {
        if (IsEmpty)
        {
            return recorded;
        }

        List<RecordedFile> Fix(IEnumerable<RecordedFile> files) => files
            .Where(f => Find(f.Entry.Path) is not { Kind: DriftKind.Deleted })
            .Select(f => Find(f.Entry.Path) is { } d ? f with { Entry = d.Live! } : f)
            .ToList();
        return recorded with
        {
            Files = Fix(recorded.Files),
            Components = recorded.Components.Select(c => c with { Files = Fix(c.Files) }).ToList(),
        };
    }

    private const UnixFileMode PermissionBits = (UnixFileMode)0xFFF;

    private static string? Differences(FileEntry recorded, RemoteFileInfo now)
    {
        if (now.Kind != FileKind.File)
        {
            return $"now a {now.Kind.ToString().ToLowerInvariant()}";
        }

        var parts = new List<string>();
        if (now.Size != recorded.Size)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"size {recorded.Size} -> {now.Size}"));
        }

        if (now.ModifiedTime.UtcTicks != recorded.ModifiedUtcTicks)
        {
            parts.Add("modified " + now.ModifiedTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        }

        if ((now.Mode & PermissionBits) != (recorded.Mode & PermissionBits))
        {
            parts.Add("mode " + Convert.ToString((int)(recorded.Mode & PermissionBits), 8) + " -> " + Convert.ToString((int)(now.Mode & PermissionBits), 8));
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static bool IsUnder(string path, string root)
        => string.Equals(path, root, StringComparison.Ordinal)
           || (path.StartsWith(root, StringComparison.Ordinal) && (root.EndsWith('/') || path[root.Length] == '/'));
}
