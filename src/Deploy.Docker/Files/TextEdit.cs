namespace Deploy.Docker.Files;

/// <summary>A replacement of <paramref name="Length"/> characters at <paramref name="Start"/> by <paramref name="NewText"/>.</summary>
/// <param name="Start">Character offset in the original text.</param>
/// <param name="Length">How many characters are replaced.</param>
/// <param name="NewText">The replacement.</param>
public readonly record struct TextEdit(int Start, int Length, string NewText)
{
    /// <summary>Applies non-overlapping edits to <paramref name="text"/>; everything outside them is kept as is.</summary>
    public static string Apply(string text, IEnumerable<TextEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(edits);
        var ordered = edits.OrderBy(e => e.Start).ToList();
        var builder = new System.Text.StringBuilder(text.Length + 64);
        var position = 0;
        foreach (var edit in ordered)
        {
            if (edit.Start < position || edit.Start + edit.Length > text.Length)
            {
                throw new ArgumentException("Edits overlap or fall outside the text.", nameof(edits));
            }

            builder.Append(text, position, edit.Start - position).Append(edit.NewText);
            position = edit.Start + edit.Length;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }
}
