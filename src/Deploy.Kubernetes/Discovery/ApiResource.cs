using System.Text;

namespace Deploy.Kubernetes.Discovery;

/// <summary>A resource the API server serves, as discovery lists it.</summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Version">Version within the group.</param>
/// <param name="Kind">Kind of its objects.</param>
/// <param name="Plural">Resource name in URLs (<c>deployments</c>).</param>
/// <param name="Namespaced">Whether its objects live in namespaces.</param>
public sealed record ApiResource(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    /// <summary>The URL path of the collection (<paramref name="name"/> null) or of one object, relative to the server.</summary>
    public string PathOf(string? ns, string? name)
    {
        var path = new StringBuilder(Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}");
        if (Namespaced && ns is not null)
        {
            path.Append("/namespaces/").Append(Uri.EscapeDataString(ns));
        }

        path.Append('/').Append(Plural);
        if (name is not null)
        {
            path.Append('/').Append(Uri.EscapeDataString(name));
        }

        return path.ToString();
    }
}
