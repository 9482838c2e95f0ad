using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>Equality-based label selectors: <c>a=b,c!=d,e</c>.</summary>
public static class FakeLabels
{
    public static Func<JsonObject, bool>? Matcher(string selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return null;
        }

        var terms = selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return obj =>
        {
            var labels = obj["metadata"]?["labels"] as JsonObject;
            return terms.All(t =>
            {
                if (t.Contains("!=", StringComparison.Ordinal))
                {
                    var parts = t.Split("!=");
                    return (string?)labels?[parts[0]] != parts[1];
                }

                if (t.Contains('=', StringComparison.Ordinal))
                {
                    var parts = t.Split('=', 2);
                    return (string?)labels?[parts[0]] == parts[1].TrimStart('=');
                }

                return labels?.ContainsKey(t) == true;
            });
        };
    }
}
