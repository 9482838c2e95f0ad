using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Deploy.Kubernetes.Manifests;

/// <summary>
/// Reads YAML documents as <see cref="JsonObject"/>s with the YAML 1.2 core schema Kubernetes uses: plain scalars
/// <c>true</c>/<c>false</c>, <c>null</c>/<c>~</c>, integers and floats become JSON values, anything quoted stays a
/// string. Objects stay generic (no typed model) so custom resources and unknown fields survive untouched.
/// </summary>
internal static class YamlJson
{
    /// <summary>Every non-empty document of a multi-document YAML text, with its 1-based index.</summary>
    public static IReadOnlyList<(int Index, JsonNode? Node)> ReadAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var result = new List<(int, JsonNode?)>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            result.Add((i + 1, Convert(stream.Documents[i].RootNode)));
        }

        return result;
    }

    /// <summary>One document (the first) as JSON; JSON text is YAML, so this reads both.</summary>
    public static JsonNode? ReadOne(string yaml)
    {
        var all = ReadAll(yaml);
        return all.Count == 0 ? null : all[0].Node;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new YamlException(node.Start, node.End, "YAML aliases of this kind are not supported in manifests."),
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode s ? s.Value ?? "" : throw new YamlException(key.Start, key.End, "Mapping keys must be scalars.");
            obj[name] = Convert(value);
        }

        return obj;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (text.Length > 0 && (char.IsDigit(text[0]) || text[0] is '-' or '+' or '.')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            && !double.IsNaN(real) && !double.IsInfinity(real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }
}
