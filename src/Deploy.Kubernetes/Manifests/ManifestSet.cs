using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using YamlDotNet.Core;

namespace Deploy.Kubernetes.Manifests;

/// <summary>
/// The objects of multi-document YAML manifests (the product's rendered <c>kubernetes:</c> files): every non-empty
/// document is one object with apiVersion, kind and metadata.name; <c>kind: List</c> documents contribute their items.
/// </summary>
public static class ManifestSet
{
    /// <summary>Parses a multi-document YAML text.</summary>
    /// <param name="yaml">The manifests.</param>
    /// <param name="source">Name of the file, for messages.</param>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.ManifestInvalid"/>, with the file and document in
    /// <see cref="DeployException.Path"/>: not YAML, not a map, or no apiVersion, kind or name.</exception>
    public static IReadOnlyList<ManifestObject> Parse(string yaml, string source = "manifest")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        IReadOnlyList<(int Index, JsonNode? Node)> documents;
        try
        {
            documents = YamlJson.ReadAll(yaml);
        }
        catch (YamlException e)
        {
            throw new DeployException(DeployErrorCode.ManifestInvalid, $"{source} is not valid YAML (line {e.Start.Line}): {e.Message}", e) { Path = source };
        }

        var result = new List<ManifestObject>();
        foreach (var (index, node) in documents)
        {
            var where = $"{source}#{index}";
            switch (node)
            {
                case null:
                    continue;
                case JsonObject { } list when (string?)list["kind"] is "List" && list["items"] is JsonArray items:
                    result.AddRange(items.Select((item, i) => Read(item, $"{where}.items[{i}]")));
                    break;
                default:
                    result.Add(Read(node, where));
                    break;
            }
        }

        var duplicate = result.GroupBy(o => (o.Ref.Group, o.Ref.Kind, o.Ref.Namespace, o.Ref.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DeployException(DeployErrorCode.ManifestInvalid,
                $"{duplicate.First().Ref} is defined twice ({string.Join(", ", duplicate.Select(d => d.Source))}); each object must appear once.")
            { Path = duplicate.Last().Source };
        }

        return result;
    }

    /// <summary>Reads and parses manifest files, in the order given.</summary>
    public static async Task<IReadOnlyList<ManifestObject>> LoadAsync(IEnumerable<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var result = new List<ManifestObject>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Manifest file '{file}' does not exist.") { Path = file };
            }

            result.AddRange(Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), file));
        }

        return result;
    }

    private static ManifestObject Read(JsonNode? node, string where)
    {
        if (node is not JsonObject obj)
        {
            throw new DeployException(DeployErrorCode.ManifestInvalid, $"{where} is not a Kubernetes object (a YAML map with apiVersion, kind and metadata).") { Path = where };
        }

        string Required(string? value, string field) => string.IsNullOrWhiteSpace(value)
            ? throw new DeployException(DeployErrorCode.ManifestInvalid, $"{where} has no {field}; every object needs apiVersion, kind and metadata.name.") { Path = where }
            : value;

        var apiVersion = Required(obj["apiVersion"] is JsonValue a ? a.ToString() : null, "apiVersion");
        var kind = Required(obj["kind"] is JsonValue k ? k.ToString() : null, "kind");
        var name = Required(obj["metadata"]?["name"] is JsonValue n ? n.ToString() : null, "metadata.name");
        var ns = obj["metadata"]?["namespace"] is JsonValue s ? s.ToString() : null;
        return new ManifestObject(new ObjectRef(apiVersion, kind, string.IsNullOrEmpty(ns) ? null : ns, name), obj, where);
    }
}
