using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;

namespace Deploy.Kubernetes.Images;

/// <summary>The container runtime of a node, which decides how images are loaded onto it.</summary>
public enum NodeRuntime
{
    /// <summary>dockerd if <c>docker version</c> answers on the node, else containerd.</summary>
    Auto = 0,

    /// <summary>dockerd: Deploy.Docker's loader (<c>docker load</c>).</summary>
    Docker = 1,

    /// <summary>containerd: <c>ctr -n k8s.io images import</c> (the namespace the kubelet's CRI reads).</summary>
    Containerd = 2,
}

/// <summary>A node of a cluster reached over SSH, for loading images onto it.</summary>
/// <param name="Name">The node's name in the cluster (<c>kubectl get nodes</c>).</param>
/// <param name="Host">The node as an SSH host (the caller's: not disposed by the loader).</param>
public sealed record ClusterNode(string Name, IHost Host)
{
    /// <summary>The inventory var naming the runtime: <c>docker</c>, <c>containerd</c> or <c>auto</c>.</summary>
    public const string RuntimeVar = "container_runtime";

    /// <summary>The inventory var with containerd's socket.</summary>
    public const string ContainerdAddressVar = "containerd_address";

    /// <summary>The inventory var with the snapshotter that unpacks imported images.</summary>
    public const string SnapshotterVar = "containerd_snapshotter";

    /// <summary>How images are loaded onto the node. <value>The default is <see cref="NodeRuntime.Auto"/>.</value></summary>
    public NodeRuntime Runtime { get; init; }

    /// <summary>containerd's socket. <value>The default is <c>/run/containerd/containerd.sock</c>.</value></summary>
    public string ContainerdAddress { get; init; } = "/run/containerd/containerd.sock";

    /// <summary>The snapshotter <c>ctr images import</c> unpacks into; <see langword="null"/> for ctr's default
    /// (overlayfs). <value>The default is <see langword="null"/>.</value></summary>
    public string? Snapshotter { get; init; }

    /// <summary>The nodes of an inventory: each host's name is a node name, its vars <see cref="RuntimeVar"/>,
    /// <see cref="ContainerdAddressVar"/> and <see cref="SnapshotterVar"/> say how to load images onto it; hosts are
    /// made by <paramref name="factory"/> (SSH by default) and belong to the caller.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.InvalidConfiguration"/> for an unknown runtime.</exception>
    public static IReadOnlyList<ClusterNode> FromInventory(HostInventory inventory, IHostFactory? factory = null)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        factory ??= new InventoryHostFactory();
        var nodes = new List<ClusterNode>();
        foreach (var h in inventory.Hosts.Where(h => !h.IsImplicit))
        {
            var vars = inventory.ResolveVars(h.Name);
            var runtime = vars.GetValueOrDefault(RuntimeVar, "auto") switch
            {
                "auto" => NodeRuntime.Auto,
                "docker" => NodeRuntime.Docker,
                "containerd" => NodeRuntime.Containerd,
                var other => throw new DeployException(DeployErrorCode.InvalidConfiguration, $"{RuntimeVar} of node {h.Name} is '{other}': use docker, containerd or auto.") { Host = h.Name, Path = inventory.Source },
            };
            var node = new ClusterNode(h.Name, factory.Create(h)) { Runtime = runtime, Snapshotter = vars.GetValueOrDefault(SnapshotterVar) };
            nodes.Add(vars.TryGetValue(ContainerdAddressVar, out var address) ? node with { ContainerdAddress = address } : node);
        }

        return nodes;
    }
}
