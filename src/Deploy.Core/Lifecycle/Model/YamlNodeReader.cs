using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static Deploy.Core.Inventory.YamlNodes;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// Reads a lifecycle YAML file (product.yaml, service.yaml, values, scheduled.yaml) through YamlDotNet's
/// representation model and the inventory's <see cref="PathTrackingParser"/>, so every error names the file, the
/// line and the field, the way inventory errors do: <c>file:line:column: field 'x.y': message</c>.
/// </summary>
internal sealed class YamlNodeReader
{
    private YamlNodeReader(string source) => Source = source;

    /// <summary>The file name used in errors.</summary>
    public string Source { get; }

    /// <summary>The root node, or <c>null</c> for an empty document.</summary>
    public YamlNode? Root { get; private set; }

    /// <summary>Parses one YAML document; malformed YAML is <see cref="DeployErrorCode.InvalidConfiguration"/> with line and field.</summary>
    public static YamlNodeReader Parse(string text, string source)
    {
        var reader = new YamlNodeReader(source);
        var stream = new YamlStream();
        var parser = new PathTrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            var mark = e is YamlException { Start.Line: > 0 } y ? y.Start : parser.LastMark;
            var field = parser.KeyPathAt(mark) ?? (parser.Path is { Length: > 0 } path ? path : null);
            var message = e is YamlException ? YamlNodes.CleanMessage(e.Message) : "the text ends inside an unclosed '[', '{' or quote.";
            throw reader.Error(mark, field, $"the YAML is malformed: {message}", e);
        }

        if (stream.Documents.Count > 1)
        {
            throw reader.Error(stream.Documents[1].RootNode.Start, null, "expected one YAML document, found several (remove the '---' separators).");
        }

        reader.Root = stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode) ? null : stream.Documents[0].RootNode;
        return reader;
    }

    public DeployException Error(Mark mark, string? field, string message, Exception? inner = null, DeployErrorCode code = DeployErrorCode.InvalidConfiguration)
    {
        var where = $"{Source}:{mark.Line}:{mark.Column}";
        var text = field is null ? $"{where}: {message}" : $"{where}: field '{field}': {message}";
        return new DeployException(code, text, inner) { Path = field is null ? Source : $"{Source}#{field}" };
    }

    public DeployException Error(YamlNode node, string? field, string message, DeployErrorCode code = DeployErrorCode.InvalidConfiguration) => Error(node.Start, field, message, null, code);

    public YamlMappingNode Mapping(YamlNode node, string field) => node as YamlMappingNode
        ?? throw Error(node, field, $"expected a mapping (key: value lines), found {YamlNodes.Describe(node)}.");

    public string Scalar(YamlNode node, string field) => node is YamlScalarNode { Value: { } value }
        ? value
        : throw Error(node, field, $"expected a single value, found {YamlNodes.Describe(node)}.");

    public string RequiredString(YamlNode node, string field)
    {
        var value = Scalar(node, field);
        return value.Length > 0 ? value : throw Error(node, field, "expected a value, found an empty one.");
    }

    public List<YamlNode> Sequence(YamlNode? node, string field) => node is null || IsNull(node)
        ? []
        : node is YamlSequenceNode seq ? [.. seq.Children] : throw Error(node, field, $"expected a list, found {YamlNodes.Describe(node)}.");

    /// <summary>A list of strings, also accepting one comma-separated string (<c>osRelease: centos,bclinux</c>).</summary>
    public List<string> StringList(YamlNode? node, string field) => node is YamlScalarNode s && !IsNull(s)
        ? [.. Scalar(s, field).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
        : Sequence(node, field).Select(n => RequiredString(n, field)).ToList();

    public IEnumerable<(YamlScalarNode Key, string Name, YamlNode Value)> Entries(YamlNode? node, string field)
    {
        if (node is null || IsNull(node))
        {
            yield break;
        }

        foreach (var (key, value) in Mapping(node, field).Children)
        {
            yield return ((YamlScalarNode)key, Scalar(key, field), value);
        }
    }

    public void CheckFields(YamlMappingNode map, string field, IReadOnlyCollection<string> allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = Scalar(key, field);
            if (!allowed.Contains(name))
            {
                throw Error(key, field.Length == 0 ? name : field + "." + name, $"unknown field '{name}'; expected one of: {string.Join(", ", allowed)}.");
            }
        }
    }

    public int Int(YamlNode node, string field, int min, int max)
    {
        var text = Scalar(node, field);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw Error(node, field, $"expected a whole number from {min} to {max}, found '{text}'.");
    }

    /// <summary>Converts a node to a value tree: maps, lists, and scalars typed like YAML 1.2 core (plain
    /// <c>true</c>/<c>false</c>, integers, floats, null); quoted scalars stay strings.</summary>
    public object? Value(YamlNode node, string field) => node switch
    {
        YamlMappingNode m => Values(m, field),
        YamlSequenceNode s => s.Children.Select((c, i) => Value(c, $"{field}[{i}]")).ToList(),
        YamlScalarNode { Style: not ScalarStyle.Plain } q => q.Value ?? "",
        YamlScalarNode p when IsNull(p) => null,
        YamlScalarNode { Value: "true" or "True" or "TRUE" } => true,
        YamlScalarNode { Value: "false" or "False" or "FALSE" } => false,
        YamlScalarNode p when long.TryParse(p.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        YamlScalarNode p when double.TryParse(p.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && p.Value!.Any(char.IsDigit) => d,
        YamlScalarNode p => p.Value ?? "",
        _ => throw Error(node, field, "aliases are not supported in values."),
    };

    public IReadOnlyDictionary<string, object?> Values(YamlNode? node, string field)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (_, name, value) in Entries(node, field))
        {
            result[name] = Value(value, field.Length == 0 ? name : field + "." + name);
        }

        return result;
    }

    /// <summary>Bytes from <c>512Mi</c>, <c>1Gi</c>, <c>100M</c>, <c>2G</c>, <c>64k</c> or a plain number of bytes.</summary>
    public long Size(YamlNode node, string field)
    {
        var text = Scalar(node, field).Trim();
        (string Suffix, long Factor)[] units = [("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("k", 1000), ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return (long)(n * factor);
            }
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            ? b
            : throw Error(node, field, $"'{text}' is not a size (512Mi, 1Gi, 100M, or bytes).");
    }

    /// <summary>A duration from <c>30s</c>, <c>500ms</c>, <c>5m</c>, <c>1h</c> or a plain number of seconds.</summary>
    public TimeSpan Duration(YamlNode node, string field)
    {
        var text = Scalar(node, field).Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return TimeSpan.FromSeconds(n * seconds);
            }
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : throw Error(node, field, $"'{text}' is not a positive duration (30s, 500ms, 5m, 1h, or seconds).");
    }

    public T Enum<T>(YamlNode node, string field)
        where T : struct, System.Enum
    {
        var text = Scalar(node, field);
        return System.Enum.TryParse<T>(text, ignoreCase: true, out var v) && System.Enum.IsDefined(v) && !text.Any(char.IsDigit)
            ? v
            : throw Error(node, field, $"'{text}' is not one of: {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }




}
