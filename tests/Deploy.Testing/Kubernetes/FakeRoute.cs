namespace Deploy.Testing.Kubernetes;

/// <summary>A resource URL taken apart: <c>/apis/apps/v1/namespaces/ns/deployments/name/status</c>.</summary>
public sealed record FakeRoute(FakeResource Resource, string? Namespace, string? Name, string? Subresource)
{
    public static FakeRoute? Parse(string path, IReadOnlyList<FakeResource> resources)
    {
        var s = path.Trim('/').Split('/');
        string group, version;
        int rest;
        if (s.Length >= 3 && s[0] == "api")
        {
            (group, version, rest) = ("", s[1], 2);
        }
        else if (s.Length >= 4 && s[0] == "apis")
        {
            (group, version, rest) = (s[1], s[2], 3);
        }
        else
        {
            return null;
        }

        var tail = s[rest..];
        FakeResource? Find(string plural) => resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);
        if (tail.Length >= 3 && tail[0] == "namespaces" && Find(tail[2]) is { Namespaced: true } namespaced)
        {
            return new FakeRoute(namespaced, tail[1], tail.Length > 3 ? tail[3] : null, tail.Length > 4 ? tail[4] : null);
        }

        return Find(tail[0]) is { } r
            ? new FakeRoute(r, null, tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null)
            : null;
    }
}
