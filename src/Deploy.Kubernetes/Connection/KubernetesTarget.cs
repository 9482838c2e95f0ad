namespace Deploy.Kubernetes.Connection;

/// <summary>
/// Which cluster to talk to, resolved as kubectl does: an explicit <see cref="Kubeconfig"/> file; else the files in
/// <c>KUBECONFIG</c> (colon-separated, merged, first wins); else <c>~/.kube/config</c>; else the in-cluster service
/// account. <see cref="Context"/> overrides the current context in any of the files.
/// </summary>
public sealed record KubernetesTarget
{
    /// <summary>The kubeconfig file (<c>--kubeconfig</c>).</summary>
    /// <value>The default is <see langword="null"/>: <c>KUBECONFIG</c>, then <c>~/.kube/config</c>, then in-cluster.</value>
    public string? Kubeconfig { get; init; }

    /// <summary>The context to use instead of the file's current context (<c>--context</c>).</summary>
    /// <value>The default is <see langword="null"/>: the file's <c>current-context</c>.</value>
    public string? Context { get; init; }

    /// <summary>Use the pod's service account (token and CA mounted under /var/run/secrets/kubernetes.io) and ignore kubeconfig files.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool InCluster { get; init; }

    /// <summary>The namespace for namespaced objects that name none.</summary>
    /// <value>The default is <see langword="null"/>: the context's namespace, else <c>default</c>.</value>
    public string? Namespace { get; init; }

    /// <summary>A target from one kubeconfig file and, optionally, one of its contexts.</summary>
    public static KubernetesTarget FromKubeconfig(string path, string? context = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new KubernetesTarget { Kubeconfig = path, Context = context };
    }
}
