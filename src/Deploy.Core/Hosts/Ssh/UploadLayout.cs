using System.Globalization;
using System.Text;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Where each file of a bulk upload travels in the tar stream, and how the remote side places it once the whole
/// stream has arrived. A file whose directory already exists goes to a temp name beside its destination and is
/// renamed onto it (atomic per file). Files under a directory that does not exist yet go, with their final names,
/// into a temp copy of the topmost missing directory, which is then renamed into place in one step: a first
/// deploy of a 10,000-file tree costs a handful of renames instead of 10,000, and the tree appears whole.
/// </summary>
/// <remarks>
/// The manifest is NUL-separated triples <c>temp, destination, action</c>: action <c>D</c> renames a directory
/// (merging into it if it was created meanwhile); an empty action renames a file. Files inside a directory entry's
/// temp need no entry: they already sit at their final names. The tar stream carries every file's exact time.
/// </remarks>
internal sealed class UploadLayout
{
    private UploadLayout(string[] streamNames, byte[] manifest, int directoryRenames)
    {
        StreamNames = streamNames;
        Manifest = manifest;
        DirectoryRenames = directoryRenames;
    }

    /// <summary>Per file (in input order), the absolute remote path the tar stream writes it to.</summary>
    public string[] StreamNames { get; }

    /// <summary>The placement manifest (see the remarks).</summary>
    public byte[] Manifest { get; }

    /// <summary>How many missing directories are placed whole.</summary>
    public int DirectoryRenames { get; }

    /// <summary>The distinct parent directories of <paramref name="targets"/>: what <see cref="Create"/> needs to know about.</summary>
    public static IReadOnlyList<string> ParentsOf(IEnumerable<string> targets)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        var last = (string?)null;
        foreach (var t in targets)
        {
            // Targets usually come grouped by directory: the same parent as the last one costs no string.
            var slash = t.LastIndexOf('/');
            if (last is not null && slash > 0 && slash < t.Length - 1 && t.AsSpan(0, slash).SequenceEqual(last))
            {
                continue;
            }

            last = PosixPath.GetDirectoryName(t);
            if (set.Add(last))
            {
                list.Add(last);
            }
        }

        return list;
    }

    /// <summary>Lays out an upload.</summary>
    /// <param name="targets">Normalized absolute destination paths.</param>
    /// <param name="id">The upload's unique id, part of every temp name.</param>
    /// <param name="missingLevels">Per parent directory (see <see cref="ParentsOf"/>), how many of its trailing components do not exist on the target (0: it exists): the destination check's answer, or the guess of <see cref="MissingDirectories.Predict"/>, which placement corrects by merging into a directory that does exist.</param>
    public static UploadLayout Create(IReadOnlyList<string> targets, string id, IReadOnlyDictionary<string, int> missingLevels)
    {
        var names = new string[targets.Count];
        var manifest = new StringBuilder();
        var roots = new Dictionary<string, string>(StringComparer.Ordinal);

        // Per parent directory: where its files travel (null: beside their destinations), worked out once. Files
        // usually come grouped by directory, so the last parent is checked before the dictionary.
        var parents = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lastParent = "";
        string? travelsTo = null;
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            var slash = target.LastIndexOf('/'); // targets are normalized and absolute: 0 for a file in '/'
            var parentSpan = slash == 0 ? "/" : target.AsSpan(0, slash);
            if (i == 0 || !parentSpan.SequenceEqual(lastParent))
            {
                lastParent = parentSpan.ToString();
                if (!parents.TryGetValue(lastParent, out travelsTo))
                {
                    travelsTo = TempParent(lastParent, missingLevels.TryGetValue(lastParent, out var m) ? m : 0, id, roots);
                    parents.Add(lastParent, travelsTo);
                }
            }

            if (travelsTo is null)
            {
                names[i] = string.Create(CultureInfo.InvariantCulture, $"{target.AsSpan(0, slash)}/.deploy-tmp-{id}-{i:x}");
                Append(manifest, names[i], target, "");
            }
            else
            {
                names[i] = string.Concat(travelsTo, target.AsSpan(slash));
            }
        }

        // Directories last: a tree appears once its files are in it.
        foreach (var (root, temp) in roots)
        {
            Append(manifest, temp, root, "D");
        }

        return new UploadLayout(names, Encoding.UTF8.GetBytes(manifest.ToString()), roots.Count);
    }

    /// <summary>
    /// Where the files of <paramref name="parent"/> travel when its trailing <paramref name="missing"/> components do
    /// not exist: the same place inside a temp copy of the topmost missing directory (null when it exists).
    /// </summary>
    private static string? TempParent(string parent, int missing, string id, Dictionary<string, string> roots)
    {
        if (missing <= 0)
        {
            return null;
        }

        var root = parent;
        for (var up = 1; up < missing; up++)
        {
            root = PosixPath.GetDirectoryName(root);
        }

        if (!roots.TryGetValue(root, out var temp))
        {
            temp = PosixPath.Combine(PosixPath.GetDirectoryName(root), ".deploy-tmp-" + id + "-d" + roots.Count.ToString("x", CultureInfo.InvariantCulture));
            roots.Add(root, temp);
        }

        return temp + parent[root.Length..];
    }

    private static void Append(StringBuilder manifest, string temp, string destination, string action)
        => manifest.Append(temp).Append('\0').Append(destination).Append('\0').Append(action).Append('\0');
}
