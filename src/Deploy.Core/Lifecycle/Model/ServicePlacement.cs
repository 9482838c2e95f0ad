namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// Where a service may run and on how many hosts (<c>placement:</c> in <c>service.yaml</c>). A host is eligible when
/// it has one of <see cref="Roles"/> (inventory group membership, or a <c>role</c> label) and every label of
/// <see cref="Labels"/>; with neither given, every inventory host is eligible.
/// </summary>
public sealed record ServicePlacement
{
    /// <summary>Roles (inventory group names or <c>role</c> label values), any of which makes a host eligible.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Host labels that must all match.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary>How many hosts run the service; <c>null</c> means every eligible host (<c>replicas: all</c>).
    /// <value>The default is 1.</value></summary>
    public int? Replicas { get; init; } = 1;
}
