namespace Deploy.Testing.Kubernetes;

/// <summary>One resource type the fake API server serves, as discovery describes it.</summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Version">API version within the group.</param>
/// <param name="Kind">Kind of its objects.</param>
/// <param name="Plural">Resource name in URLs.</param>
/// <param name="Namespaced">Whether its objects live in a namespace.</param>
public sealed record FakeResource(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    /// <summary>The apiVersion of its objects (<c>v1</c>, <c>apps/v1</c>).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resources a small real cluster serves that our code and tests use.</summary>
    public static IReadOnlyList<FakeResource> Defaults { get; } =
    [
        new("", "v1", "Namespace", "namespaces", false),
        new("", "v1", "Node", "nodes", false),
        new("", "v1", "ConfigMap", "configmaps", true),
        new("", "v1", "Secret", "secrets", true),
        new("", "v1", "Service", "services", true),
        new("", "v1", "ServiceAccount", "serviceaccounts", true),
        new("", "v1", "Pod", "pods", true),
        new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        new("apps", "v1", "Deployment", "deployments", true),
        new("apps", "v1", "StatefulSet", "statefulsets", true),
        new("apps", "v1", "DaemonSet", "daemonsets", true),
        new("apps", "v1", "ReplicaSet", "replicasets", true),
        new("batch", "v1", "Job", "jobs", true),
        new("coordination.k8s.io", "v1", "Lease", "leases", true),
        new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        new("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    ];
}
