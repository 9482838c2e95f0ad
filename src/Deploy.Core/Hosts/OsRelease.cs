using System.Text;

namespace Deploy.Core.Hosts;

/// <summary>
/// The contents of <c>/etc/os-release</c>, parsed per the os-release specification: <c>KEY=value</c> lines,
/// values optionally in single or double quotes with backslash escapes in double quotes, <c>#</c> comments and
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

    /// <summary>Parses os-release text. Malformed lines are skipped, as the specification asks of readers.</summary>
    public static OsRelease Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = line[..eq].Trim();
            if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                continue;
            }

            fields[key] = Unquote(line[(eq + 1)..].Trim());
        }

        return new OsRelease(fields);
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1];
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            var sb = new StringBuilder(value.Length);
            for (var i = 1; i < value.Length - 1; i++)
            {
                var c = value[i];
                if (c == '\\' && i + 1 < value.Length - 1 && value[i + 1] is '"' or '\\' or '$' or '`')
                {
                    sb.Append(value[++i]);
                }
                else
                {
                    sb.Append(c);
                }
            }

            return sb.ToString();
        }

        // Unquoted: strip a trailing comment and whitespace.
        var hash = value.IndexOf(" #", StringComparison.Ordinal);
        return (hash >= 0 ? value[..hash] : value).Trim();
    }
}
