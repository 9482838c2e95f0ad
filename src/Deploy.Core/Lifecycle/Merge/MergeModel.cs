namespace Deploy.Core.Lifecycle.Merge;

/// <summary>How to settle the conflicts of a three-way merge.</summary>
public enum ConflictResolution
{
    /// <summary>Take the newly rendered lines (<c>--take-new</c>): the user's edit of those lines is lost.</summary>
    TakeNew,
    /// <summary>Keep the lines on the target (<c>--keep-live</c>): the package's change of those lines is not applied.</summary>
    KeepLive,
}

/// <summary>A range of lines.</summary>
/// <param name="Start">The 1-based first line (for an empty range: the line before which nothing stands).</param>
/// <param name="Count">The number of lines.</param>
public readonly record struct LineRange(int Start, int Count)
{
    /// <inheritdoc />
    public override string ToString() => Count == 0 ? $"before line {Start}" : Count == 1 ? $"line {Start}" : $"lines {Start}-{Start + Count - 1}";
}

/// <summary>
/// Lines that both the user (on the target) and the package (newly rendered) changed differently since the base.
/// </summary>
/// <param name="File">The config file.</param>
/// <param name="Base">The lines in the previously rendered file.</param>
/// <param name="Live">The lines in the file on the target.</param>
/// <param name="New">The lines in the newly rendered file.</param>
/// <param name="BaseText">The base lines' text.</param>
/// <param name="LiveText">The live lines' text.</param>
/// <param name="NewText">The new lines' text.</param>
public sealed record MergeConflict(string File, LineRange Base, LineRange Live, LineRange New, string BaseText, string LiveText, string NewText)
{
    /// <summary>A readable description: where, and both sides' text (pass a redactor when the texts may hold secrets).</summary>
    public string Describe(Func<string, string>? redact = null)
    {
        redact ??= t => t;
        return $"{File}: {Base} of the previous render changed on the target ({Live}) and in the package ({New}).\n"
            + $"  on the target:\n{Indent(redact(LiveText))}  in the package:\n{Indent(redact(NewText))}";
    }

    private static string Indent(string text) => text.Length == 0
        ? "    (nothing)\n"
        : string.Concat(ThreeWayMerge.Split(text).Select(l => "    | " + l.TrimEnd('\n').TrimEnd('\r') + "\n"));
}

/// <summary>One piece of a merge: agreed text, or a conflict.</summary>
/// <param name="Text">The agreed text (empty for a conflict).</param>
/// <param name="Conflict">The conflict, or <c>null</c>.</param>
internal readonly record struct MergeChunk(string Text, MergeConflict? Conflict);
