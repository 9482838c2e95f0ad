namespace Deploy.Kubernetes.Apply;

/// <summary>How <see cref="ServerSideApplier"/> applies a manifest set.</summary>
public sealed record ApplyOptions
{
    /// <summary>The field manager our changes are recorded under (<c>managedFields</c>).</summary>
    /// <value>The default is <c>deploy-sdk</c>.</value>
    public string FieldManager { get; init; } = "deploy-sdk";

    /// <summary>Take fields other managers own (a <c>kubectl edit</c>, another tool) instead of stopping on conflicts.</summary>
    /// <value>The default is <see langword="false"/>: conflicts are reported and nothing changes.</value>
    public bool Force { get; init; }

    /// <summary>Only the server dry run: report conflicts and what would change, change nothing.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DryRunOnly { get; init; }

    /// <summary>How many requests are in flight at once: the dry run sends every object's request concurrently, the
    /// apply those of one <see cref="Manifests.KindOrder"/> rank (ranks stay one after another, so namespaces and CRDs
    /// exist before what needs them). Results and conflicts keep the manifest's order whatever the completion order.</summary>
    /// <value>The default is 16; 1 sends one request after another.</value>
    public int MaxConcurrency { get; init; } = 16;
}
