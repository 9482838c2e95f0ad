using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>RFC 7386 JSON merge patch: maps merge, null deletes, anything else replaces.</summary>
public static class FakeMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key]?.DeepClone(), value);
            }
        }

        return result;
    }
}
