using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Deploy.Docker.Files;

/// <summary>A minimal YAML node tree read from YamlDotNet's event stream, keeping each scalar's position and style
/// (the compose editors splice text at those positions; nothing is ever re-serialized).</summary>
internal static class YamlTree
{
    public static Node? Resolve(Node? node) => node is AliasNode a ? a.Target : node;

    public static Node? Lookup(MappingNode map, string key) => map.Pairs.LastOrDefault(p => p.Key.Value == key).Value;

    public static Node ReadNode(IParser parser, Dictionary<string, Node> anchors)
    {
        Node node;
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new YamlException(alias.Start, alias.End, $"Alias *{alias.Value.Value} has no anchor.");
            }

            return new AliasNode(target);
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            node = new ScalarNode(scalar.Value, scalar.Style, checked((int)scalar.End.Index)) { Start = checked((int)scalar.Start.Index) };
            Remember(scalar, node, anchors);
            return node;
        }

        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var seq = new SequenceNode();
            Remember(seqStart, seq, anchors);
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                seq.Items.Add(ReadNode(parser, anchors));
            }

            return seq;
        }

        var mapStart = parser.Consume<MappingStart>();
        var map = new MappingNode();
        Remember(mapStart, map, anchors);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = ReadNode(parser, anchors);
            var value = ReadNode(parser, anchors);
            map.Pairs.Add((Resolve(key) as ScalarNode ?? new ScalarNode("", ScalarStyle.Plain, 0), value));
        }

        return map;
    }

    private static void Remember(NodeEvent e, Node node, Dictionary<string, Node> anchors)
    {
        if (!e.Anchor.IsEmpty)
        {
            anchors[e.Anchor.Value] = node;
        }
    }

    public abstract class Node;

    public sealed class ScalarNode(string value, ScalarStyle style, int end) : Node
    {
        public string Value { get; } = value;

        public ScalarStyle Style { get; } = style;

        public int End { get; } = end;

        public int Start { get; init; }
    }

    public sealed class MappingNode : Node
    {
        public List<(ScalarNode Key, Node Value)> Pairs { get; } = [];
    }

    public sealed class SequenceNode : Node
    {
        public List<Node> Items { get; } = [];
    }

    public sealed class AliasNode(Node target) : Node
    {
        public Node Target { get; } = target;
    }
}
