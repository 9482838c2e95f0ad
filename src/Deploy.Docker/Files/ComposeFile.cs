using Deploy.Core.Errors;

namespace Deploy.Docker.Files;

/// <summary>
/// A docker-compose file whose <c>image:</c> values can be changed without touching any other byte: the scalars are
/// located with YamlDotNet's parser (their marks) and the new text is spliced in; the document is never
/// re-serialized, so comments, quoting, anchors/aliases, indentation, key order and line endings stay as they are.
/// Instances are immutable; <see cref="WithEdits"/> returns a new one.
/// </summary>
public sealed class ComposeFile
{
    private readonly bool _hasBom;

    private ComposeFile(string path, string text, bool hasBom)
    {
        Path = path;
        Text = text;
        _hasBom = hasBom;
        var layout = ComposeImageLocator.Locate(text, path);
        (Services, ImageSites, Extends, VariableUses) = (layout.Services, layout.Sites, layout.Extends, layout.VariableUses);
    }

    /// <summary>The file path (for messages).</summary>
    public string Path { get; }

    /// <summary>The whole file text.</summary>
    public string Text { get; }

    /// <summary>The service names in file order.</summary>
    public IReadOnlyList<string> Services { get; }

    /// <summary>Every <c>image:</c> scalar, with the services using it.</summary>
    public IReadOnlyList<ComposeImageSite> ImageSites { get; }

    /// <summary>The services that use <c>extends</c>, by name.</summary>
    public IReadOnlyDictionary<string, ComposeExtends> Extends { get; }

    /// <summary>Every variable reference in the file's values, with its key path and line.</summary>
    public IReadOnlyList<ComposeVariableUse> VariableUses { get; }

    /// <summary>Parses file bytes (strict UTF-8, BOM kept). Throws <see cref="DeployErrorCode.ComposeFileInvalid"/> for YAML errors.</summary>
    public static ComposeFile Parse(ReadOnlySpan<byte> bytes, string path)
    {
        var (text, bom) = TextFileEncoding.Decode(bytes, path);
        return new ComposeFile(path, text, bom);
    }

    /// <summary>Parses text.</summary>
    public static ComposeFile Parse(string text, string path = "docker-compose.yml")
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ComposeFile(path, text, false);
    }

    /// <summary>The file bytes (with the original BOM, if any).</summary>
    public byte[] ToBytes() => TextFileEncoding.Encode(Text, _hasBom);

    /// <summary>The image site a service uses, or <c>null</c> when it has no <c>image:</c> (e.g. build-only).</summary>
    public ComposeImageSite? SiteOf(string service) => ImageSites.FirstOrDefault(s => s.Services.Contains(service, StringComparer.Ordinal));

    /// <summary>
    /// Returns a copy with the value text of <paramref name="site"/> replaced by <paramref name="newValue"/>, keeping its
    /// quoting. Throws <see cref="DeployErrorCode.InvalidArgument"/> when the value cannot be written in that style.
    /// </summary>
    public ComposeFile WithImage(ComposeImageSite site, string newValue) => WithEdits([new TextEdit(site.Start, site.Length, Escape(site, newValue))]);

    /// <summary>Returns a copy with raw text edits applied (offsets into <see cref="Text"/>).</summary>
    public ComposeFile WithEdits(IEnumerable<TextEdit> edits) => new(Path, TextEdit.Apply(Text, edits), _hasBom);

    private string Escape(ComposeImageSite site, string value)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(value);
        var bad = site.Quote switch
        {
            '"' => value.IndexOfAny(['"', '\\']) >= 0,
            '\'' => value.Contains('\'', StringComparison.Ordinal),
            _ => value.Any(c => char.IsWhiteSpace(c) || c is '#' or '"' or '\'' or '{' or '}' or '[' or ']' or ',') || value.StartsWith('*') || value.StartsWith('&'),
        };
        if (bad || value.Length == 0 || value.Contains('\n', StringComparison.Ordinal))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"'{value}' cannot be written into line {site.Line} of '{Path}' with its existing quoting.") { Path = Path };
        }

        return value;
    }
}
