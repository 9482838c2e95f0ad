using Deploy.Core.Operations.Locking;
using Deploy.Kubernetes.Images;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>Options of a <see cref="KubernetesBackend"/>.</summary>
public sealed record KubernetesBackendOptions
{
    /// <summary>The namespace holding the product's objects that name none, its Lease, journal, secrets and release
    /// records; <c>null</c> for the connection's namespace. <value><c>null</c>.</value></summary>
    public string? Namespace { get; init; }

    /// <summary>The name of the one logical host the lifecycle sees (the cluster). <value><c>cluster</c>.</value></summary>
    public string HostName { get; init; } = "cluster";

    /// <summary>The operation lock's heartbeat and staleness (the host lock's rules). <value>Defaults.</value></summary>
    public HostLockOptions Lock { get; init; } = new();

    /// <summary>How long applied objects may take to become ready. <value>5 minutes.</value></summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a removal waits for the objects (and their finalizers) to be gone. <value>2 minutes.</value></summary>
    public TimeSpan DeleteTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The image hooks run in as Jobs (<c>sh -c &lt;command&gt;</c>); it must be loaded on the nodes of an
    /// air-gapped cluster. <value><c>busybox:1.36</c>.</value></summary>
    public string HookImage { get; init; } = "busybox:1.36";

    /// <summary>The server-side apply field manager. <value><c>deploy-sdk</c>.</value></summary>
    public string FieldManager { get; init; } = "deploy-sdk";

    /// <summary>The clock. <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Air-gapped images: the loader that puts the product's image archives (its <c>images/</c> folder) onto
    /// every node before the first service is applied (once per backend); <see langword="null"/> when the nodes pull
    /// their images themselves. <value>The default is <see langword="null"/>.</value></summary>
    public NodeImageLoader? NodeImages { get; init; }
}
