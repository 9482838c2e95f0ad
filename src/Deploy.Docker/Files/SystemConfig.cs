using Deploy.Core.Errors;

namespace Deploy.Docker.Files;

/// <summary>
/// A <c>KEY=value</c> file such as the console's <c>.systemconfig</c> or a compose <c>.env</c>. Values are changed by
/// splicing the value text only: order, comments, blank lines, <c>export</c> prefixes, quoting, trailing comments and
/// line endings stay byte-for-byte. Lines that are not assignments are kept untouched and ignored.
/// Instances are immutable; <see cref="Set"/> returns a new one.
/// </summary>
public sealed class SystemConfig
{
    private readonly bool _hasBom;

    private SystemConfig(string path, string text, bool hasBom, IReadOnlyList<SystemConfigEntry> entries)
    {
        Path = path;
        Text = text;
        _hasBom = hasBom;
        Entries = entries;
    }

    /// <summary>The file path (for messages).</summary>
    public string Path { get; }

    /// <summary>The whole file text.</summary>
    public string Text { get; }

    /// <summary>The assignments in file order (a key may repeat; the last one wins, as in a shell).</summary>
    public IReadOnlyList<SystemConfigEntry> Entries { get; }

    /// <summary>Parses file bytes (strict UTF-8, BOM kept).</summary>
    public static SystemConfig Parse(ReadOnlySpan<byte> bytes, string path)
    {
        var (text, bom) = TextFileEncoding.Decode(bytes, path);
        return new SystemConfig(path, text, bom, ParseEntries(text, path));
    }

    /// <summary>Parses text.</summary>
    public static SystemConfig Parse(string text, string path = ".systemconfig")
    {
        ArgumentNullException.ThrowIfNull(text);
        return new SystemConfig(path, text, false, ParseEntries(text, path));
    }

    /// <summary>The file bytes (with the original BOM, if any).</summary>
    public byte[] ToBytes() => TextFileEncoding.Encode(Text, _hasBom);

    /// <summary>The effective value of <paramref name="key"/> (last assignment), or <c>null</c>.</summary>
    public string? Get(string key) => Find(key)?.Value;

    /// <summary>The effective assignment of <paramref name="key"/>, or <c>null</c>.</summary>
    public SystemConfigEntry? Find(string key) => Entries.LastOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal));

    /// <summary>The effective values as a dictionary.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in Entries)
        {
            map[e.Key] = e.Value;
        }

        return map;
    }

    /// <summary>
    /// Returns a copy where every assignment of <paramref name="key"/> has <paramref name="value"/>, keeping its
    /// quoting. A missing key is appended as <c>KEY=value</c> with the file's line ending.
    /// Throws <see cref="DeployErrorCode.InvalidArgument"/> for a value the existing quoting cannot hold.
    /// </summary>
    public SystemConfig Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The value for {key} contains a line break.") { Path = Path };
        }

        var matches = Entries.Where(e => string.Equals(e.Key, key, StringComparison.Ordinal)).ToList();
        string text;
        if (matches.Count == 0)
        {
            CheckFits(key, value, null);
            var nl = TextFileEncoding.DetectNewLine(Text);
            var prefix = Text.Length == 0 || Text.EndsWith('\n') ? "" : nl;
            text = Text + prefix + key + "=" + value + nl;
        }
        else
        {
            foreach (var m in matches)
            {
                CheckFits(key, value, m.Quote);
            }

            text = TextEdit.Apply(Text, matches.Select(m => new TextEdit(m.ValueStart, m.ValueLength, value)));
        }

        return new SystemConfig(Path, text, _hasBom, ParseEntries(text, Path));
    }

    private void CheckFits(string key, string value, char? quote)
    {
        var bad = quote switch
        {
            '"' => value.IndexOfAny(['"', '\\', '$', '`']) >= 0,
            '\'' => value.Contains('\'', StringComparison.Ordinal),
            _ => value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '#' or '$' or '`' or '\\' or ';' or '&' or '|'),
        };
        if (bad)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The value '{value}' for {key} cannot be written with the file's existing quoting.") { Path = Path };
        }
    }

    private static List<SystemConfigEntry> ParseEntries(string text, string path)
    {
        var entries = new List<SystemConfigEntry>();
        var lineStart = 0;
        var lineNumber = 0;
        while (lineStart < text.Length)
        {
            lineNumber++;
            var lineEnd = text.IndexOf('\n', lineStart);
            var contentEnd = lineEnd < 0 ? text.Length : lineEnd;
            if (contentEnd > lineStart && text[contentEnd - 1] == '\r')
            {
                contentEnd--;
            }

            var entry = ParseLine(text, lineStart, contentEnd, lineNumber, path);
            if (entry is not null)
            {
                entries.Add(entry);
            }

            lineStart = lineEnd < 0 ? text.Length : lineEnd + 1;
        }

        return entries;
    }

    private static SystemConfigEntry? ParseLine(string text, int start, int end, int lineNumber, string path)
    {
        var i = start;
        while (i < end && text[i] is ' ' or '\t')
        {
            i++;
        }

        if (i >= end || text[i] == '#')
        {
            return null;
        }

        if (string.CompareOrdinal(text, i, "export ", 0, 7) == 0)
        {
            i += 7;
            while (i < end && text[i] is ' ' or '\t')
            {
                i++;
            }
        }

        var keyStart = i;
        while (i < end && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '.' or '-'))
        {
            i++;
        }

        if (i == keyStart || i >= end || text[i] != '=' || char.IsAsciiDigit(text[keyStart]))
        {
            return null;
        }

        var key = text[keyStart..i];
        i++;
        if (i < end && text[i] is '"' or '\'')
        {
            var quote = text[i];
            var close = text.IndexOf(quote, i + 1, end - i - 1);
            if (close < 0)
            {
                throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"Line {lineNumber} of '{path}': the value of {key} has no closing {quote}.") { Path = path };
            }

            return new SystemConfigEntry(key, text[(i + 1)..close], lineNumber, i + 1, close - i - 1, quote);
        }

        var valueStart = i;
        var valueEnd = valueStart;
        while (valueEnd < end && !(text[valueEnd] == '#' && valueEnd > valueStart && text[valueEnd - 1] is ' ' or '\t'))
        {
            valueEnd++;
        }

        while (valueEnd > valueStart && text[valueEnd - 1] is ' ' or '\t')
        {
            valueEnd--;
        }

        return new SystemConfigEntry(key, text[valueStart..valueEnd], lineNumber, valueStart, valueEnd - valueStart, null);
    }
}
