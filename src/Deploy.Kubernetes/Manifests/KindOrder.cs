namespace Deploy.Kubernetes.Manifests;

/// <summary>
/// The order objects are applied in: namespaces and CRDs first, then what workloads need (accounts, RBAC, config,
/// storage, services), then workloads, then custom resources and anything unknown. Deletion goes in reverse. Within
/// one rank the manifest order is kept.
/// </summary>
public static class KindOrder
{
    private static readonly string[] Ranks =
    [
        "Namespace", "CustomResourceDefinition", "PriorityClass", "StorageClass", "ResourceQuota", "LimitRange",
        "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
        "PersistentVolume", "PersistentVolumeClaim", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
        "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "Endpoints",
        "IngressClass", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
        "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "Ingress", "APIService", "Lease",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ];

    /// <summary>The rank of a kind; unknown kinds (custom resources) come after every known one.</summary>
    public static int Rank(string kind)
    {
        var i = Array.IndexOf(Ranks, kind);
        return i < 0 ? Ranks.Length : i;
    }

    /// <summary>The objects in apply order (stable).</summary>
    public static IReadOnlyList<ManifestObject> ForApply(IEnumerable<ManifestObject> objects) =>
        objects.Select((o, i) => (o, i)).OrderBy(x => Rank(x.o.Ref.Kind)).ThenBy(x => x.i).Select(x => x.o).ToList();

    /// <summary>References in delete order: the reverse of apply order.</summary>
    public static IReadOnlyList<ObjectRef> ForDelete(IEnumerable<ObjectRef> refs) =>
        refs.Select((r, i) => (r, i)).OrderByDescending(x => Rank(x.r.Kind)).ThenByDescending(x => x.i).Select(x => x.r).ToList();
}
