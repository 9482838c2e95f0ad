using System.Globalization;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Asks which of an upload's destination directories are missing, in one command per ~96 KB of paths (pure: the
/// query and the reading of its answer; <see cref="RemoteFiles"/> runs it). Every directory on the way from the
/// paths' shared prefix to each destination is tested at most once, parents first, and nothing under a directory
/// found missing is tested: a first deploy of 1,400 new directories under 200 new ones costs 200 tests, not the
/// 4,200 a per-directory walk up costs. The answer names only the missing directories whose parent exists.
/// </summary>
internal static class MissingDirectories
{
    private const int BatchBytes = 96 * 1024;

    /// <summary>A planned query: the shared prefix (ends with '/', or empty) and the directories to test, relative to it, in pre-order.</summary>
    public sealed record Query(string Prefix, IReadOnlyList<string> Nodes);

    /// <summary>Plans the query for <paramref name="directories"/> (normalized absolute paths).</summary>
    public static Query Plan(IReadOnlyList<string> directories)
    {
        var prefix = RemoteFiles.CommonDirectoryPrefix(directories);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in directories)
        {
            var relative = d[prefix.Length..];
            for (var end = relative.Length; end > 0 && nodes.Add(relative[..end]); end = Math.Max(0, relative.LastIndexOf('/', end - 1)))
            {
            }
        }

        var ordered = nodes.ToArray();
        Array.Sort(ordered, PreOrder);
        return new Query(prefix, ordered);
    }

    /// <summary>The argument lists of the commands that ask <paramref name="query"/>: the prefix, then a batch of nodes each.</summary>
    public static IEnumerable<(int First, string[] Args)> Batches(Query query)
    {
        var batch = new List<string> { query.Prefix };
        var first = 0;
        var size = 0;
        for (var i = 0; i < query.Nodes.Count; i++)
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(query.Nodes[i]) + 3;
            if (batch.Count > 1 && size + bytes > BatchBytes)
            {
                yield return (first, [.. batch]);
                batch = [query.Prefix];
                first = i;
                size = 0;
            }

            batch.Add(query.Nodes[i]);
            size += bytes;
        }

        yield return (first, [.. batch]);
    }

    /// <summary>
    /// The query for <paramref name="directories"/> and the arguments of the one command that asks it, when one
    /// command does and its arguments take at most <paramref name="maxBytes"/>; otherwise null. An upload asks such a
    /// query in its own channel (<see cref="RemoteScripts.UploadArgv"/>), which then answers before the stream.
    /// </summary>
    public static (Query Query, string[] Args)? OneCommand(IReadOnlyList<string> directories, int maxBytes)
    {
        var query = Plan(directories);
        using var batches = Batches(query).GetEnumerator();
        batches.MoveNext();
        var (_, args) = batches.Current;
        return batches.MoveNext() || args.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a) + 3) > maxBytes ? null : (query, args);
    }

    /// <summary>
    /// The layout's guess, made without asking: the deepest directory that holds every one of
    /// <paramref name="directories"/> (the anchor, which may be one of them) exists, and nothing under it does. An
    /// upload laid out on it needs no answer before its stream; its script confirms the anchor (exists, writable)
    /// before it reads a byte, and placement merges into any directory under it that does exist. Null when the
    /// anchor would be '/': an upload spread over the whole tree is checked instead, as its parts are often on
    /// different file systems.
    /// </summary>
    public static (string Anchor, Dictionary<string, int> Levels)? Predict(IReadOnlyList<string> directories)
    {
        if (directories.Count == 0)
        {
            return null;
        }

        var anchor = directories[0];
        foreach (var d in directories)
        {
            while (anchor.Length > 1 && !IsSelfOrUnder(d, anchor))
            {
                anchor = PosixPath.GetDirectoryName(anchor);
            }
        }

        if (anchor == "/")
        {
            return null;
        }

        var levels = new Dictionary<string, int>(directories.Count, StringComparer.Ordinal);
        foreach (var d in directories)
        {
            levels[d] = d.AsSpan(anchor.Length).Count('/');
        }

        return (anchor, levels);
    }

    /// <summary>
    /// One upload attempt, laid out as both transports lay it out: on the guess (<see cref="Predict"/>) first, which
    /// the script confirms before it reads a byte; where the script refused the guess's anchor (<paramref name="onGuess"/>
    /// returns null, nothing read or created), <paramref name="missed"/> is told and the attempt is laid out on the
    /// destination check (<paramref name="onCheck"/>). No guess when <paramref name="guess"/> is false, when
    /// <see cref="Predict"/> makes none, or while <paramref name="gate"/> is pending (the sequence engine's journal):
    /// the script may make the anchor, a visible directory, which must not come before the gate.
    /// </summary>
    public static async Task<long> GuessFirstAsync(IReadOnlyList<string> directories, bool guess, Task? gate, Func<string, Dictionary<string, int>, Task<long?>> onGuess, Action<string> missed, Func<Task<long>> onCheck)
    {
        if (guess && gate is not { IsCompletedSuccessfully: false } && Predict(directories) is { } predicted)
        {
            if (await onGuess(predicted.Anchor, predicted.Levels).ConfigureAwait(false) is { } sent)
            {
                return sent;
            }

            missed(predicted.Anchor);
        }

        return await onCheck().ConfigureAwait(false);
    }

    private static bool IsSelfOrUnder(string path, string directory)
        => path.StartsWith(directory, StringComparison.Ordinal) && (path.Length == directory.Length || path[directory.Length] == '/');

    /// <summary>The answer to a query asked in one command (<see cref="OneCommand"/>): its output read, as in
    /// <see cref="Read"/>; null when it is malformed.</summary>
    public static Dictionary<string, int>? Answer(Query query, IReadOnlyList<string> directories, string output)
        => TryParse(output, 0, out var prefixMissing, out var missing) ? Read(query, directories, prefixMissing, missing) : null;

    /// <summary>
    /// Per directory of <paramref name="directories"/>, how many of its trailing components are missing (0: it
    /// exists), from the answers to <see cref="Batches"/>: each batch's prefix count, and the node indexes it found
    /// missing (offset by the batch's first node). Null when an answer is malformed.
    /// </summary>
    public static Dictionary<string, int>? Read(Query query, IReadOnlyList<string> directories, int prefixMissing, IEnumerable<int> missingNodes)
    {
        var levels = new Dictionary<string, int>(query.Nodes.Count + 1, StringComparer.Ordinal) { [""] = prefixMissing };
        var missing = new HashSet<int>(missingNodes);
        for (var i = 0; i < query.Nodes.Count; i++)
        {
            var node = query.Nodes[i];
            var slash = node.LastIndexOf('/');
            var parent = slash < 0 ? "" : node[..slash];
            if (!levels.TryGetValue(parent, out var above))
            {
                return null;
            }

            levels[node] = above > 0 ? above + 1 : missing.Contains(i) ? 1 : 0;
        }

        var result = new Dictionary<string, int>(directories.Count, StringComparer.Ordinal);
        foreach (var d in directories)
        {
            if (!levels.TryGetValue(d[query.Prefix.Length..], out var n))
            {
                return null;
            }

            result[d] = n;
        }

        return result;
    }

    /// <summary>Parses one batch's output: its prefix count, then the node indexes it found missing.</summary>
    public static bool TryParse(string output, int first, out int prefixMissing, out List<int> missingNodes)
    {
        missingNodes = [];
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out prefixMissing))
        {
            prefixMissing = 0;
            return false;
        }

        foreach (var line in lines.Skip(1))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return false;
            }

            missingNodes.Add(first + index);
        }

        return true;
    }

    /// <summary>Ordinal order with '/' first, so that each directory is followed directly by everything under it.</summary>
    private static int PreOrder(string? a, string? b)
    {
        var x = a.AsSpan();
        var y = b.AsSpan();
        var common = x.CommonPrefixLength(y);
        if (common == x.Length || common == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        return x[common] == '/' ? -1 : y[common] == '/' ? 1 : x[common].CompareTo(y[common]);
    }
}
