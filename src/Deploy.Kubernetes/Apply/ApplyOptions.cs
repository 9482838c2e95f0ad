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
}
