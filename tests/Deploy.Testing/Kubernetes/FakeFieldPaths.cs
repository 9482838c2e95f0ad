using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// Field paths of objects as server-side apply tracks them: a path is the list of map keys down to a leaf (a scalar,
/// a list or an empty map). Lists are atomic here (the fake does not merge lists by key, as real apply does for
/// <c>containers</c>): good enough for the conflicts and ownership our code relies on.
/// </summary>
public static class FakeFieldPaths
{
    private const char Separator = '\u0001';

    /// <summary>Fields that are never owned: identity, bookkeeping and status.</summary>
    private static readonly HashSet<string> Unowned =
    [
        Join(["apiVersion"]), Join(["kind"]), Join(["status"]),
        Join(["metadata", "name"]), Join(["metadata", "namespace"]), Join(["metadata", "resourceVersion"]),
        Join(["metadata", "managedFields"]), Join(["metadata", "uid"]), Join(["metadata", "generation"]),
        Join(["metadata", "creationTimestamp"]), Join(["metadata", "deletionTimestamp"]),
    ];

    /// <summary>Joins keys into one path value.</summary>
    public static string Join(IEnumerable<string> keys) => string.Join(Separator, keys);

    /// <summary>The path as Kubernetes prints it in conflicts: <c>.data.key</c>.</summary>
    public static string Display(string path) => "." + path.Replace(Separator, '.');

    /// <summary>Every owned leaf path of an object.</summary>
    public static HashSet<string> Leaves(JsonObject obj)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        Walk(obj, [], result);
        return result;
    }

    private static void Walk(JsonObject obj, List<string> prefix, HashSet<string> result)
    {
        foreach (var (key, value) in obj)
        {
            prefix.Add(key);
            var path = Join(prefix);
            if (!Unowned.Contains(path) && !(prefix.Count == 1 && key == "status"))
            {
                if (value is JsonObject child && child.Count > 0)
                {
                    Walk(child, prefix, result);
                }
                else
                {
                    result.Add(path);
                }
            }

            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    /// <summary>The node at a path, and whether the path exists.</summary>
    public static (bool Found, JsonNode? Value) Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var key in path.Split(Separator))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(key, out var next))
            {
                return (false, null);
            }

            node = next;
        }

        return (true, node);
    }

    /// <summary>Sets the value at a path, creating the maps above it.</summary>
    public static void Set(JsonObject obj, string path, JsonNode? value)
    {
        var keys = path.Split(Separator);
        var current = obj;
        foreach (var key in keys[..^1])
        {
            if (current[key] is not JsonObject next)
            {
                next = new JsonObject();
                current[key] = next;
            }

            current = next;
        }

        current[keys[^1]] = value?.DeepClone();
    }

    /// <summary>Removes the value at a path, and the maps above it that it leaves empty.</summary>
    public static void Remove(JsonObject obj, string path)
    {
        var keys = path.Split(Separator);
        var chain = new List<JsonObject> { obj };
        foreach (var key in keys[..^1])
        {
            if (chain[^1][key] is not JsonObject next)
            {
                return;
            }

            chain.Add(next);
        }

        chain[^1].Remove(keys[^1]);
        for (var i = chain.Count - 1; i > 0 && chain[i].Count == 0; i--)
        {
            chain[i - 1].Remove(keys[i - 1]);
        }
    }

    /// <summary>A set of paths in the <c>FieldsV1</c> format of managedFields: <c>{"f:data":{"f:key":{}}}</c>.</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var current = root;
            foreach (var key in path.Split(Separator))
            {
                if (current["f:" + key] is not JsonObject next)
                {
                    next = new JsonObject();
                    current["f:" + key] = next;
                }

                current = next;
            }
        }

        return root;
    }

    /// <summary>The leaf paths of a <c>FieldsV1</c> value.</summary>
    public static HashSet<string> FromFieldsV1(JsonObject? fields)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (fields is not null)
        {
            Collect(fields, [], result);
        }

        return result;
    }

    private static void Collect(JsonObject fields, List<string> prefix, HashSet<string> result)
    {
        foreach (var (key, value) in fields)
        {
            if (!key.StartsWith("f:", StringComparison.Ordinal))
            {
                continue;
            }

            prefix.Add(key[2..]);
            if (value is JsonObject child && child.Any(p => p.Key.StartsWith("f:", StringComparison.Ordinal)))
            {
                Collect(child, prefix, result);
            }
            else
            {
                result.Add(Join(prefix));
            }

            prefix.RemoveAt(prefix.Count - 1);
        }
    }
}
