using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Deploy.Core.Inventory;

/// <summary>
/// The node helpers every YAML reader of the SDK shares (the inventory and the lifecycle files), so both describe a
/// node and clean YamlDotNet's messages the same way.
/// </summary>
internal static class YamlNodes
{
    /// <summary>The value of <paramref name="key"/> in <paramref name="map"/>, or <c>null</c>.</summary>
    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Whether the node is YAML's null (empty, <c>~</c> or <c>null</c>, unquoted).</summary>
    public static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    /// <summary>The node as an error message names it: a mapping, a list, or its quoted value.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "an alias",
    };

    /// <summary>
    /// YamlDotNet's message without its "(Line: 3, Col: 5, Idx: ...) - (Line...): " prefix: our errors print their
    /// own position.
    /// </summary>
    public static string CleanMessage(string message)
    {
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && i > 0 ? message[(i + 3)..] : message;
    }
}
