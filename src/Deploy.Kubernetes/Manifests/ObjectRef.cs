namespace Deploy.Kubernetes.Manifests;

/// <summary>Names one object of a cluster: apiVersion, kind, namespace (null for cluster-scoped objects) and name.
/// A release's inventory is a list of these.</summary>
/// <param name="ApiVersion">The object's apiVersion (<c>v1</c>, <c>apps/v1</c>).</param>
/// <param name="Kind">The object's kind.</param>
/// <param name="Namespace">Its namespace; null when cluster-scoped.</param>
/// <param name="Name">Its name.</param>
public sealed record ObjectRef(string ApiVersion, string Kind, string? Namespace, string Name)
{
    /// <summary>The API group (empty for the core group).</summary>
    public string Group => ApiVersion.Contains('/', StringComparison.Ordinal) ? ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    /// <summary>As kubectl prints it: <c>Deployment/shop/web</c> or <c>Namespace/shop</c>.</summary>
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}
