using Deploy.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Deploy.Docker.Files;

/// <summary>Walks the YAML event stream into a small node tree and finds the image scalars and who uses them.</summary>
internal static class ComposeImageLocator
{
    public static (IReadOnlyList<string> Services, IReadOnlyList<ComposeImageSite> Sites) Locate(string text, string path)
    {
        Node? root;
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return ([], []);
            }

            parser.Consume<DocumentStart>();
            var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
            root = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{path}' holds several YAML documents; a compose file has one.") { Path = path };
            }
        }
        catch (YamlException e)
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{path}' is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}", e) { Path = path };
        }

        if (root is MappingNode { } top && Lookup(top, "services") is MappingNode services)
        {
            var names = new List<string>();
            var users = new Dictionary<ScalarNode, List<string>>();
            foreach (var (key, value) in services.Pairs)
            {
                names.Add(key.Value);
                if (Resolve(value) is MappingNode svc && FindImage(svc, 0) is { } image)
                {
                    if (!users.TryGetValue(image, out var list))
                    {
                        users[image] = list = [];
                    }

                    list.Add(key.Value);
                }
            }

            var sites = new List<ComposeImageSite>();
            foreach (var scalar in AllImageScalars(root).Concat(users.Keys))
            {
                sites.Add(Site(text, path, scalar, users.TryGetValue(scalar, out var u) ? u : []));
            }

            return (names, sites.DistinctBy(s => s.Start).OrderBy(s => s.Start).ToList());
        }

        return ([], []);
    }

    private static ComposeImageSite Site(string text, string path, ScalarNode scalar, IReadOnlyList<string> services)
    {
        var end = scalar.End;
        var len = scalar.Value.Length;
        char? quote = scalar.Style switch
        {
            ScalarStyle.SingleQuoted => '\'',
            ScalarStyle.DoubleQuoted => '"',
            ScalarStyle.Plain => null,
            _ => throw Unsafe(path, text, end, "block scalars are not supported for image:"),
        };
        var valueEnd = quote is null ? end : end - 1;
        var start = valueEnd - len;
        if (start < 0 || quote is not null && (text[valueEnd] != quote || start == 0 || text[start - 1] != quote)
            || string.CompareOrdinal(text, start, scalar.Value, 0, len) != 0)
        {
            throw Unsafe(path, text, end, "the value spans lines or uses escapes");
        }

        return new ComposeImageSite(scalar.Value, start, len, quote, TextFileEncoding.LineOf(text, start), services);
    }

    private static DeployException Unsafe(string path, string text, int index, string why)
        => new(DeployErrorCode.ComposeFileInvalid, $"The image at line {TextFileEncoding.LineOf(text, index)} of '{path}' cannot be edited safely: {why}.") { Path = path };

    private static ScalarNode? FindImage(MappingNode service, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        if (Resolve(Lookup(service, "image")) is ScalarNode direct)
        {
            return direct;
        }

        foreach (var (key, value) in service.Pairs)
        {
            if (key.Value != "<<")
            {
                continue;
            }

            var merged = Resolve(value) switch
            {
                SequenceNode seq => seq.Items.Select(Resolve).OfType<MappingNode>(),
                MappingNode m => [m],
                _ => [],
            };
            foreach (var m in merged)
            {
                if (FindImage(m, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }

    private static IEnumerable<ScalarNode> AllImageScalars(Node node)
    {
        switch (node)
        {
            case MappingNode m:
                foreach (var (key, value) in m.Pairs)
                {
                    if (key.Value == "image" && value is ScalarNode s)
                    {
                        yield return s;
                    }
                    else
                    {
                        foreach (var inner in AllImageScalars(value))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case SequenceNode seq:
                foreach (var inner in seq.Items.SelectMany(AllImageScalars))
                {
                    yield return inner;
                }

                break;
        }
    }

    private static Node? Lookup(MappingNode map, string key) => map.Pairs.LastOrDefault(p => p.Key.Value == key).Value;

    private static Node? Resolve(Node? node) => node is AliasNode a ? a.Target : node;

    private static Node ReadNode(IParser parser, Dictionary<string, Node> anchors)
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
            node = new ScalarNode(scalar.Value, scalar.Style, checked((int)scalar.End.Index));
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

    private abstract class Node;

    private sealed class ScalarNode(string value, ScalarStyle style, int end) : Node
    {
        public string Value { get; } = value;

        public ScalarStyle Style { get; } = style;

        public int End { get; } = end;
    }

    private sealed class MappingNode : Node
    {
        public List<(ScalarNode Key, Node Value)> Pairs { get; } = [];
    }

    private sealed class SequenceNode : Node
    {
        public List<Node> Items { get; } = [];
    }

    private sealed class AliasNode(Node target) : Node
    {
        public Node Target { get; } = target;
    }
}
