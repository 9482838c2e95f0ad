using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Archives;
using Deploy.Docker.Engine;
using Deploy.Docker.Images;

namespace Deploy.Kubernetes.Images;

/// <summary>
/// Air-gapped images: a product's image archives (<c>docker save</c> tars, plain or gzipped) loaded onto every node
/// over SSH, streamed from this machine (no copy left on the node): with Deploy.Docker's <see cref="DockerEngine"/>
/// where the node runs dockerd, with <c>ctr -n k8s.io images import -</c> where it runs containerd. Then every node is
/// checked to have every image of the archives (<c>docker image inspect</c>, <c>ctr images ls</c>); a node lacking one,
/// whether its load failed or was skipped, fails the load with every such node and image named. Nodes load
/// concurrently, each its archives in order.
/// </summary>
public sealed class NodeImageLoader
{
    private readonly IReadOnlyList<ClusterNode> nodes;

    /// <summary>A loader for <paramref name="nodes"/> (see <see cref="ClusterNode.FromInventory"/>).</summary>
    public NodeImageLoader(IReadOnlyList<ClusterNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        this.nodes = nodes;
    }

    /// <summary>The nodes images go to.</summary>
    public IReadOnlyList<ClusterNode> Nodes => nodes;

    /// <summary>The image archives of a product folder: the files of its <c>images/</c> folder, in name order (none
    /// when it has no such folder).</summary>
    public static IReadOnlyList<string> ArchivesOf(string productDirectory)
    {
        ArgumentNullException.ThrowIfNull(productDirectory);
        var dir = Path.Combine(productDirectory, "images");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).ToList() : [];
    }

    /// <summary>What <see cref="LoadAsync"/> would load onto each node (the dry run: the archives are read, the nodes
    /// are not contacted).</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.ImageArchiveInvalid"/> or <see cref="DeployErrorCode.LocalPathNotFound"/> for an archive.</exception>
    public async Task<IReadOnlyList<NodeImages>> PlanAsync(IReadOnlyList<string> archives, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(archives, cancellationToken).ConfigureAwait(false);
        var images = read.SelectMany(a => a.References).Select(r => r.ToString()).ToList();
        return nodes.Select(n => new NodeImages(n.Name, n.Runtime, archives, images, [], [])).ToList();
    }

    /// <summary>Loads <paramref name="archives"/> onto every node, then checks that each node has each image.</summary>
    /// <returns>Per node, in the nodes' order, what was loaded.</returns>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.VerificationFailed"/> naming every node that lacks
    /// an image and the image (its <see cref="DeployException.Host"/> the first such node); <see cref="DeployErrorCode.ImageArchiveInvalid"/>
    /// for a malformed archive (before any node is touched).</exception>
    public async Task<IReadOnlyList<NodeImages>> LoadAsync(IReadOnlyList<string> archives, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(archives, cancellationToken).ConfigureAwait(false);
        var results = await Task.WhenAll(nodes.Select(n => LoadOntoAsync(n, read, progress, cancellationToken))).ConfigureAwait(false);
        var lacking = results.Where(r => r.Missing.Count > 0).ToList();
        if (lacking.Count > 0)
        {
            var detail = string.Join("; ", lacking.Select(r => $"node {r.Node} lacks {string.Join(", ", r.Missing)}{(r.Failures.Count > 0 ? $" ({string.Join("; ", r.Failures)})" : "")}"));
            throw new DeployException(DeployErrorCode.VerificationFailed, $"Images are missing on {lacking.Count} of {results.Length} nodes after the load: {detail}.")
            {
                Host = lacking[0].Node,
                Path = lacking[0].Missing[0],
            };
        }

        return results;
    }

    private static async Task<List<ImageArchive>> ReadAsync(IReadOnlyList<string> archives, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archives);
        var read = new List<ImageArchive>();
        foreach (var a in archives)
        {
            read.Add(await ImageArchive.ReadAsync(a, cancellationToken).ConfigureAwait(false));
        }

        return read;
    }

    private static async Task<NodeImages> LoadOntoAsync(ClusterNode node, List<ImageArchive> archives, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var runtime = node.Runtime == NodeRuntime.Auto ? await DetectAsync(node.Host, cancellationToken).ConfigureAwait(false) : node.Runtime;
        var failures = new List<string>();
        var reachable = runtime == NodeRuntime.Docker || await HasSocketAsync(node, cancellationToken).ConfigureAwait(false);
        if (!reachable)
        {
            // ctr would wait its dial timeout per command: say why once instead.
            failures.Add($"containerd's socket {node.ContainerdAddress} does not exist");
            progress?.Report($"node {node.Name}: skipped, containerd's socket {node.ContainerdAddress} does not exist");
        }

        foreach (var archive in reachable ? archives : [])
        {
            try
            {
                if (runtime == NodeRuntime.Docker)
                {
                    await new DockerEngine(node.Host).LoadAsync(archive.Path, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ImportAsync(node, archive.Path, cancellationToken).ConfigureAwait(false);
                }

                progress?.Report($"node {node.Name}: loaded {Path.GetFileName(archive.Path)} ({string.Join(", ", archive.References)}) with {runtime.ToString().ToLowerInvariant()}");
            }
            catch (DeployException e)
            {
                failures.Add($"{Path.GetFileName(archive.Path)}: {e.Message}");
                progress?.Report($"node {node.Name}: loading {Path.GetFileName(archive.Path)} failed: {e.Message}");
            }
        }

        var images = archives.SelectMany(a => a.References).ToList();
        var missing = new List<string>();
        if (runtime == NodeRuntime.Docker)
        {
            var engine = new DockerEngine(node.Host);
            foreach (var image in images)
            {
                if (await engine.GetImageIdAsync(image.ToString(), cancellationToken).ConfigureAwait(false) is null)
                {
                    missing.Add(image.ToString());
                }
            }
        }
        else
        {
            var present = reachable ? await ContainerdImagesAsync(node, cancellationToken).ConfigureAwait(false) : [];
            missing.AddRange(images.Where(i => !present.Contains(Key(i))).Select(i => i.ToString()));
        }

        return new NodeImages(node.Name, runtime, archives.Select(a => a.Path).ToList(), images.Select(i => i.ToString()).ToList(), missing, failures);
    }

    /// <summary>dockerd when <c>docker version</c> reaches a server on the node, else containerd.</summary>
    private static async Task<NodeRuntime> DetectAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            var result = await host.RunAsync(CommandSpec.Of("docker", "version", "--format", "{{.Server.Version}}"), cancellationToken).ConfigureAwait(false);
            return result.ExitCode == 0 && result.StandardOutput.Trim().Length > 0 ? NodeRuntime.Docker : NodeRuntime.Containerd;
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.CommandFailed)
        {
            return NodeRuntime.Containerd;
        }
    }

    private static async Task<bool> HasSocketAsync(ClusterNode node, CancellationToken cancellationToken) =>
        (await node.Host.RunAsync(CommandSpec.Of("test", "-S", node.ContainerdAddress), cancellationToken).ConfigureAwait(false)).ExitCode == 0;

    private static string[] Ctr(ClusterNode node, params string[] args) => ["ctr", "--address", node.ContainerdAddress, "-n", "k8s.io", .. args];

    /// <summary><c>ctr images import -</c> with the archive streamed into its standard input.</summary>
    private static async Task ImportAsync(ClusterNode node, string archive, CancellationToken cancellationToken)
    {
        var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            string[] args = node.Snapshotter is { } s ? ["images", "import", "--snapshotter", s, "-"] : ["images", "import", "-"];
            var result = await node.Host.RunAsync(new CommandSpec(Ctr(node, args)) { StandardInput = file }, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new DeployException(DeployErrorCode.ImageArchiveInvalid, $"ctr images import of '{archive}' failed on {node.Name} (exit {result.ExitCode}): {result.StandardError.Trim()}")
                {
                    Host = node.Name, Path = archive, Command = result.Command, ExitCode = result.ExitCode,
                };
            }
        }
    }

    /// <summary>The images of the node's <c>k8s.io</c> namespace (none when containerd does not answer: every image
    /// then counts as missing).</summary>
    private static async Task<HashSet<string>> ContainerdImagesAsync(ClusterNode node, CancellationToken cancellationToken)
    {
        var result = await node.Host.RunAsync(new CommandSpec(Ctr(node, "images", "ls", "-q")), cancellationToken).ConfigureAwait(false);
        return result.ExitCode != 0
            ? []
            : result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => ImageReference.TryParse(l, out var r) ? Key(r) : l).ToHashSet(StringComparer.Ordinal);
    }

    private static string Key(ImageReference r) => r.NormalizedRepository + (r.Tag is null ? "" : ":" + r.Tag) + (r.Digest is null ? "" : "@" + r.Digest);
}
