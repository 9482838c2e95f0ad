namespace Deploy.Core.Sync;

/// <summary>An immutable set of files keyed by path (ordinal).</summary>
public sealed class FileManifest
{
    private readonly Dictionary<string, FileEntry> _byPath;

    /// <summary>Creates a manifest. Duplicate paths are rejected.</summary>
    public FileManifest(IEnumerable<FileEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _byPath = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
        var list = new List<FileEntry>();
        foreach (var e in entries)
        {
            if (!_byPath.TryAdd(e.Path, e))
            {
                throw new ArgumentException($"The manifest lists '{e.Path}' twice.", nameof(entries));
            }

            list.Add(e);
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        Entries = list;
    }

    /// <summary>An empty manifest.</summary>
    public static FileManifest Empty { get; } = new([]);

    /// <summary>The entries, sorted by path (ordinal).</summary>
    public IReadOnlyList<FileEntry> Entries { get; }

    /// <summary>Number of files.</summary>
    public int Count => Entries.Count;

    /// <summary>Total bytes.</summary>
    public long TotalBytes => Entries.Sum(e => e.Size);

    /// <summary>The entry for <paramref name="path"/>, or <c>null</c>.</summary>
    public FileEntry? Find(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>Whether the manifest lists <paramref name="path"/>.</summary>
    public bool Contains(string path) => _byPath.ContainsKey(path);
}
