namespace Deploy.Kubernetes.Scheduling;

/// <summary>What a schedule apply did for one service on a cluster.</summary>
/// <param name="Service">The service.</param>
/// <param name="Nodes">The nodes it runs on now (its pods were verified to run only there).</param>
/// <param name="Labelled">Nodes that got the service's label.</param>
/// <param name="Unlabelled">Nodes whose label was removed after the pods had moved.</param>
/// <param name="Workloads">The workloads whose pod template got the node selector.</param>
public sealed record NodePlacementResult(string Service, IReadOnlyList<string> Nodes, IReadOnlyList<string> Labelled, IReadOnlyList<string> Unlabelled, IReadOnlyList<string> Workloads)
{
    /// <summary>The node label of <paramref name="service"/>: <c>deploy-sdk.io/&lt;service&gt;</c> (value <c>true</c>).</summary>
    public static string LabelOf(string service) => "deploy-sdk.io/" + service;
}
