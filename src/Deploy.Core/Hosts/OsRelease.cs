using System.Text;

namespace Deploy.Core.Hosts;

/// <summary>
/// The contents of <c>/etc/os-release</c>, parsed per the os-release specification (which makes the file
/// shell-compatible): <c>KEY=value</c> lines, optionally prefixed by <c>export</c>, values in single or double
/// quotes (backslash escapes in double quotes), a <c>#</c> comment after the value, <c>#</c> comment lines and
/// blank lines ignored.
/// </summary>
/// <param name="Fields">Every field, by key.</param>
public sealed record OsRelease(IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The lower-case operating system id, e.g. <c>centos</c>, <c>bclinux</c>, <c>debian</c>; <c>linux</c> when absent (spec default).</summary>
    public string Id => Fields.TryGetValue("ID", out var v) && v.Length > 0 ? v.ToLowerInvariant() : "linux";

    /// <summary>The ids this system is like (<c>ID_LIKE</c>, space separated), lower case.</summary>
    public IReadOnlyList<string> IdLike => Fields.TryGetValue("ID_LIKE", out var v)
        ? v.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).ToArray()
        : [];

    /// <summary><c>VERSION_ID</c>, e.g. <c>7</c> or <c>22.04</c>; <c>null</c> when absent.</summary>
    public string? VersionId => Fields.TryGetValue("VERSION_ID", out var v) ? v : null;

    /// <summary><c>PRETTY_NAME</c>, or <c>NAME</c>, or the id.</summary>
    public string PrettyName => Fields.TryGetValue("PRETTY_NAME", out var p) ? p : Fields.TryGetValue("NAME", out var n) ? n : Id;

    /// <summary>
    /// Parses os-release text as the shell that sources it would: <c>export KEY=value</c> lines are assignments,
    /// a value may join quoted and unquoted parts, a <c>#</c> after the value (outside quotes) starts a comment.
    /// Malformed lines are skipped, as the specification asks of readers.
    /// </summary>
    public static OsRelease Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.StartsWith("export", StringComparison.Ordinal) && line.Length > 6 && line[6] is ' ' or '\t')
            {
                line = line[6..].TrimStart();
            }

            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = line[..eq];
            if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(key[0]))
            {
                continue;
            }

            if (ShellWord(line, eq + 1) is { } value)
            {
                fields[key] = value;
            }
        }

        return new OsRelease(fields);
    }

    // One shell word starting at `start`: quoted and unquoted parts joined, ending at unquoted whitespace;
    // null when a quote is not closed on the line. An unquoted value followed by more words (malformed: a shell
    // would run them) keeps the words up to a " #" comment, the more useful reading of such a file.
    private static string? ShellWord(string line, int start)
    {
        var word = ReadWord(line, start, out var end, out var quoted);
        var rest = line[end..].TrimStart();
        if (word is null || rest.Length == 0 || rest[0] == '#' || quoted)
        {
            return word;
        }

        var hash = line.IndexOf(" #", start, StringComparison.Ordinal);
        return (hash >= 0 ? line[start..hash] : line[start..]).Trim();
    }

    private static string? ReadWord(string line, int start, out int end, out bool quoted)
    {
        var sb = new StringBuilder(line.Length - start);
        var i = start;
        quoted = false;
        end = line.Length;
        while (i < line.Length && line[i] is not (' ' or '\t'))
        {
            var c = line[i];
            quoted |= c is '\'' or '"';
            if (c == '\'')
            {
                var close = line.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    return null;
                }

                sb.Append(line, i + 1, close - i - 1);
                i = close + 1;
            }
            else if (c == '"')
            {
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    sb.Append(line[i++]);
                }

                if (i >= line.Length)
                {
                    return null;
                }

                i++;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                sb.Append(line[i + 1]);
                i += 2;
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }

        end = i;
        return sb.ToString();
    }
}
