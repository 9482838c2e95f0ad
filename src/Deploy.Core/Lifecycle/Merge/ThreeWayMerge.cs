using DiffPlex;
using DiffPlex.Chunkers;

namespace Deploy.Core.Lifecycle.Merge;

/// <summary>
/// A line-based three-way merge of config files, diff3-style, on DiffPlex's line diffs: <c>base</c> is the file as
/// previously rendered, <c>live</c> the file on the target, <c>new</c> the newly rendered file. A change on one side
/// only is applied; the same change on both sides is applied once; different changes to overlapping lines (or an
/// insertion next to a line the other side changed) are a <see cref="MergeConflict"/>. Changes to adjacent but
/// distinct lines merge cleanly. Lines keep their own terminators (LF, CRLF, or none on the last line), so a file's
/// line endings survive. Pure.
/// </summary>
public static class ThreeWayMerge
{
    private static readonly IChunker Lines = new CustomFunctionChunker(Split);

    /// <summary>Merges <paramref name="live"/> and <paramref name="new"/> against <paramref name="base"/>.</summary>
    /// <param name="base">The previously rendered file.</param>
    /// <param name="live">The file on the target now.</param>
    /// <param name="new">The newly rendered file.</param>
    /// <param name="file">The file's name, for conflicts and errors.</param>
    public static MergeResult Merge(string @base, string live, string @new, string file = "")
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(@new);
        var baseLines = Split(@base);
        var hunks = Hunks(@base, live, Side.Live).Concat(Hunks(@base, @new, Side.New)).OrderBy(h => h.Start).ThenBy(h => h.End).ThenBy(h => h.Side).ToList();
        var chunks = new List<MergeChunk>();
        var pos = 0;
        var delta = new int[2];
        var i = 0;
        while (i < hunks.Count)
        {
            var cluster = new List<Hunk> { hunks[i] };
            int cs = hunks[i].Start, ce = hunks[i].End;
            for (i++; i < hunks.Count && Touches(cs, ce, hunks[i]); i++)
            {
                cluster.Add(hunks[i]);
                ce = Math.Max(ce, hunks[i].End);
            }

            chunks.Add(new MergeChunk(Join(baseLines, pos, cs), null));
            var liveText = Apply(baseLines, cs, ce, cluster.Where(h => h.Side == Side.Live));
            var newText = Apply(baseLines, cs, ce, cluster.Where(h => h.Side == Side.New));
            var sides = cluster.Select(h => h.Side).Distinct().ToList();
            if (sides.Count == 1 || liveText == newText)
            {
                chunks.Add(new MergeChunk(sides.Count == 1 && sides[0] == Side.Live ? liveText : newText, null));
            }
            else
            {
                chunks.Add(new MergeChunk("", new MergeConflict(
                    file,
                    new LineRange(cs + 1, ce - cs),
                    new LineRange(cs + delta[(int)Side.Live] + 1, Split(liveText).Length),
                    new LineRange(cs + delta[(int)Side.New] + 1, Split(newText).Length),
                    Join(baseLines, cs, ce),
                    liveText,
                    newText)));
            }

            foreach (var h in cluster)
            {
                delta[(int)h.Side] += h.Lines.Length - (h.End - h.Start);
            }

            pos = ce;
        }

        chunks.Add(new MergeChunk(Join(baseLines, pos, baseLines.Length), null));
        return new MergeResult(file, live, chunks.Where(c => c.Conflict is not null || c.Text.Length > 0).ToList());
    }

    /// <summary>Splits text into lines, each keeping its terminator (<c>\n</c> or <c>\r\n</c>); the last line may have none.</summary>
    internal static string[] Split(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var k = 0; k < text.Length; k++)
        {
            if (text[k] == '\n')
            {
                lines.Add(text[start..(k + 1)]);
                start = k + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return [.. lines];
    }

    private static IEnumerable<Hunk> Hunks(string from, string to, Side side)
    {
        var diff = Differ.Instance.CreateDiffs(from, to, ignoreWhiteSpace: false, ignoreCase: false, Lines);
        return diff.DiffBlocks.Select(b => new Hunk(side, b.DeleteStartA, b.DeleteStartA + b.DeleteCountA, diff.PiecesNew.Skip(b.InsertStartB).Take(b.InsertCountB).ToArray()));
    }

    /// <summary>Whether hunk <paramref name="h"/> (starting at or after <paramref name="cs"/>) interferes with the cluster spanning [cs, ce).</summary>
    private static bool Touches(int cs, int ce, Hunk h)
    {
        var clusterEmpty = cs == ce;
        var hEmpty = h.Start == h.End;
        return h.Start < ce                                   // overlapping lines
            || (h.Start == ce && (clusterEmpty || hEmpty));   // an insertion at the edge of the other side's change
    }

    private static string Apply(string[] baseLines, int cs, int ce, IEnumerable<Hunk> hunks)
    {
        var sb = new System.Text.StringBuilder();
        var p = cs;
        foreach (var h in hunks)
        {
            sb.Append(Join(baseLines, p, h.Start));
            foreach (var l in h.Lines)
            {
                sb.Append(l);
            }

            p = h.End;
        }

        sb.Append(Join(baseLines, p, ce));
        return sb.ToString();
    }

    private static string Join(string[] lines, int from, int to) => from >= to ? "" : string.Concat(lines[from..to]);

    private enum Side
    {
        Live,
        New,
    }

    private sealed record Hunk(Side Side, int Start, int End, string[] Lines);
}
