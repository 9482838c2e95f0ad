using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>The discovery documents: <c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/group/version</c>, <c>/version</c>.</summary>
public static class FakeDiscovery
{
    public static JsonObject? Answer(string path, IReadOnlyList<FakeResource> resources, string serverAddress)
    {
        var segments = path.Trim('/').Split('/');
        return segments switch
        {
            ["version"] => new JsonObject
            {
                ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-deploy-fake", ["platform"] = "linux/amd64",
            },
            ["api"] => new JsonObject
            {
                ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"),
                ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
            },
            ["apis"] => Groups(resources),
            ["api", "v1"] => ResourceList("v1", resources.Where(r => r.Group.Length == 0 && r.Version == "v1")),
            ["apis", var g, var v] when resources.Any(r => r.Group == g && r.Version == v) =>
                ResourceList($"{g}/{v}", resources.Where(r => r.Group == g && r.Version == v)),
            _ => null,
        };
    }

    private static JsonObject Groups(IReadOnlyList<FakeResource> resources)
    {
        var groups = new JsonArray();
        foreach (var g in resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group))
        {
            var versions = g.Select(r => r.Version).Distinct().Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v }).ToArray();
            groups.Add(new JsonObject
            {
                ["name"] = g.Key, ["versions"] = new JsonArray(versions), ["preferredVersion"] = versions[0].DeepClone(),
            });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private static JsonObject ResourceList(string groupVersion, IEnumerable<FakeResource> resources)
    {
        var list = new JsonArray();
        foreach (var r in resources)
        {
            list.Add(new JsonObject
            {
                ["name"] = r.Plural, ["singularName"] = r.Kind.ToLowerInvariant(), ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
            });
            list.Add(new JsonObject
            {
                ["name"] = r.Plural + "/status", ["singularName"] = "", ["namespaced"] = r.Namespaced, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("get", "patch", "update"),
            });
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = list };
    }
}
