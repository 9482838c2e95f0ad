using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>One manager's entry of <c>metadata.managedFields</c>: who owns which leaf paths, by apply or update.</summary>
public sealed record FakeManager(string Manager, string Operation, string ApiVersion, HashSet<string> Fields);

/// <summary>Reads and writes <c>metadata.managedFields</c>, the one record of field ownership.</summary>
public static class FakeManagedFields
{
    public static List<FakeManager> Read(JsonObject? obj)
    {
        var result = new List<FakeManager>();
        if (obj?["metadata"]?["managedFields"] is JsonArray entries)
        {
            foreach (var e in entries.OfType<JsonObject>())
            {
                result.Add(new FakeManager((string?)e["manager"] ?? "", (string?)e["operation"] ?? "Update",
                    (string?)e["apiVersion"] ?? "", FakeFieldPaths.FromFieldsV1(e["fieldsV1"] as JsonObject)));
            }
        }

        return result;
    }

    public static void Write(JsonObject obj, IEnumerable<FakeManager> managers, string time)
    {
        var metadata = (JsonObject)obj["metadata"]!;
        var array = new JsonArray();
        foreach (var m in managers.Where(m => m.Fields.Count > 0))
        {
            array.Add(new JsonObject
            {
                ["manager"] = m.Manager, ["operation"] = m.Operation, ["apiVersion"] = m.ApiVersion, ["time"] = time,
                ["fieldsType"] = "FieldsV1", ["fieldsV1"] = FakeFieldPaths.ToFieldsV1(m.Fields),
            });
        }

        metadata["managedFields"] = array;
    }

    /// <summary>Gives <paramref name="manager"/> (by update) the fields whose values changed; others lose them.</summary>
    public static List<FakeManager> AfterUpdate(List<FakeManager> managers, JsonObject? old, JsonObject updated, string manager, string apiVersion)
    {
        var leaves = FakeFieldPaths.Leaves(updated);
        var changed = leaves.Where(p => old is null || !JsonNode.DeepEquals(FakeFieldPaths.Get(old, p).Value, FakeFieldPaths.Get(updated, p).Value)
                                        || !FakeFieldPaths.Get(old, p).Found).ToHashSet(StringComparer.Ordinal);
        var result = new List<FakeManager>();
        foreach (var m in managers)
        {
            var kept = m.Fields.Where(p => leaves.Contains(p) && (!changed.Contains(p) || (m.Manager == manager && m.Operation == "Update"))).ToHashSet(StringComparer.Ordinal);
            result.Add(m with { Fields = kept });
        }

        var mine = result.FirstOrDefault(m => m.Manager == manager && m.Operation == "Update");
        if (mine is null)
        {
            mine = new FakeManager(manager, "Update", apiVersion, []);
            result.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        return result;
    }
}
