using Deploy.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using static Deploy.Docker.Files.YamlTree;

namespace Deploy.Docker.Files;

/// <summary>Walks the YAML event stream into a small node tree and finds the image scalars and who uses them.</summary>
internal static class ComposeImageLocator
{
    public static ComposeLayout Locate(string text, string path)
    {
        Node? root;
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return ComposeLayout.Empty;
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
            var extends = new Dictionary<string, ComposeExtends>(StringComparer.Ordinal);
            foreach (var (key, value) in services.Pairs)
            {
                names.Add(key.Value);
                if (Resolve(value) is not MappingNode svc)
                {
                    continue;
                }

                if (FindImage(svc, 0) is { } image)
                {
                    if (!users.TryGetValue(image, out var list))
                    {
                        users[image] = list = [];
                    }

                    list.Add(key.Value);
                }

                if (FindKey(svc, "extends", 0) is { } ext)
                {
                    extends[key.Value] = ext switch
                    {
                        ScalarNode name => new ComposeExtends(name.Value, null),
                        MappingNode m when Resolve(Lookup(m, "service")) is ScalarNode name => new ComposeExtends(name.Value, (Resolve(Lookup(m, "file")) as ScalarNode)?.Value),
                        _ => throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{path}': services.{key.Value}.extends names no service.") { Path = path },
                    };
                }
            }

            var sites = new List<ComposeImageSite>();
            foreach (var scalar in AllImageScalars(root).Concat(users.Keys))
            {
                sites.Add(Site(text, path, scalar, users.TryGetValue(scalar, out var u) ? u : []));
            }

            var uses = new List<ComposeVariableUse>();
            CollectVariableUses(text, root, "", uses, 0);
            return new ComposeLayout(names, sites.DistinctBy(s => s.Start).OrderBy(s => s.Start).ToList(), extends, uses);
        }

        return ComposeLayout.Empty;
    }

    // Every scalar value that references a variable, with its key path (aliases are not followed: their text is
    // the anchor's, reported once where it is written).
    private static void CollectVariableUses(string text, Node? node, string key, List<ComposeVariableUse> uses, int depth)
    {
        switch (node)
        {
            case ScalarNode s when s.Value.Contains('$', StringComparison.Ordinal):
                foreach (var piece in Interpolation.Split(s.Value).Where(p => p.IsVariable))
                {
                    uses.Add(new ComposeVariableUse(piece.Text, key, TextFileEncoding.LineOf(text, s.Start), ServiceOf(key)));
                }

                break;
            case MappingNode m when depth < 64:
                foreach (var (k, v) in m.Pairs)
                {
                    CollectVariableUses(text, v, key.Length == 0 ? k.Value : key + "." + k.Value, uses, depth + 1);
                }

                break;
            case SequenceNode seq when depth < 64:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    CollectVariableUses(text, seq.Items[i], $"{key}[{i}]", uses, depth + 1);
                }

                break;
        }
    }

    private static string? ServiceOf(string key)
    {
        if (!key.StartsWith("services.", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key["services.".Length..];
        var dot = rest.IndexOfAny(['.', '[']);
        return dot < 0 ? rest : rest[..dot];
    }

    // A key of a service, directly or through << merges.
    private static Node? FindKey(MappingNode service, string name, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        if (Resolve(Lookup(service, name)) is { } direct)
        {
            return direct;
        }

        foreach (var (key, value) in service.Pairs.Where(p => p.Key.Value == "<<"))
        {
            var merged = Resolve(value) switch
            {
                SequenceNode seq => seq.Items.Select(Resolve).OfType<MappingNode>(),
                MappingNode m => [m],
                _ => [],
            };
            foreach (var m in merged)
            {
                if (FindKey(m, name, depth + 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
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

    private static ScalarNode? FindImage(MappingNode service, int depth) => FindKey(service, "image", depth) as ScalarNode;

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

}
