namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// The <c>kubernetes:</c> section of a <c>service.yaml</c>, read by the Kubernetes backend: manifest templates
/// (rendered with the same values as config templates) applied for the service.
/// </summary>
public sealed record KubernetesSection
{
    /// <summary>Manifest template paths relative to the service folder, in apply order.</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    /// <summary>The namespace to apply into; <c>null</c> for the backend's default.</summary>
    public string? Namespace { get; init; }
}
