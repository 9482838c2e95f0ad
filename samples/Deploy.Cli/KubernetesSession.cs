using System.CommandLine;
using Deploy.Cli.Output;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Images;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Scheduling;
using Deploy.Packaging.Products;

namespace Deploy.Cli;

/// <summary>
/// A lifecycle verb on a Kubernetes cluster (<c>--kubeconfig</c>/<c>--context</c>): the package's services are applied
/// by <see cref="KubernetesBackend"/> into the context's namespace; the cluster is the one host <c>cluster</c> (so
/// <c>--scheduled</c> and <c>--state-root</c> do not apply, and rollback needs the package with <c>-f</c>).
/// </summary>
internal static class KubernetesSession
{
    public static async Task<LifecycleSession> OpenAsync(ParseResult parse, LifecycleOptions options, CancellationToken ct)
    {
        var package = parse.GetValue(options.Package)
            ?? throw new DeployException(DeployErrorCode.InvalidArgument, "On a Kubernetes cluster, give the product package with -f: release payloads are not kept on the cluster.") { Path = "package" };
        var connection = await KubernetesConnection.ConnectAsync(new KubernetesTarget { Kubeconfig = parse.GetValue(options.Kubeconfig), Context = parse.GetValue(options.Context) }, ct).ConfigureAwait(false);
        OpenedProduct? opened = null;
        var hosts = new List<IHost>();
        try
        {
            opened = await ProductPackage.OpenAsync(package, cancellationToken: ct).ConfigureAwait(false);
            var product = opened.Product;
            NodeImageLoader? images = null;
            if (parse.GetValue(options.Nodes) is { } nodesFile)
            {
                var nodes = ClusterNode.FromInventory(await HostInventory.LoadAsync(nodesFile, ct).ConfigureAwait(false));
                hosts.AddRange(nodes.Select(n => n.Host));
                images = new NodeImageLoader(nodes);
            }

            var backend = new KubernetesBackend(product.Name, connection, new KubernetesBackendOptions { NodeImages = images });
            var values = parse.GetValue(options.Values) is { } v ? await SiteValues.LoadAsync(v, ct).ConfigureAwait(false) : ValueTree.Empty;
            var inventory = HostInventory.Parse($"hosts:\n  {backend.Hosts[0]}: {{ address: {connection.Server.Host} }}\n", "kubernetes");
            return new LifecycleSession(opened, inventory, new LifecycleInput(product, backend.Schedule(product)) { SiteValues = values }, backend, hosts, connection) { NodeImages = images };
        }
        catch
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync().ConfigureAwait(false);
            }

            opened?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <summary><c>schedule apply -c scheduled.yaml</c> on a cluster: its hosts are node names (read against the
    /// cluster's nodes); with <paramref name="dryRun"/> the labels and workloads that would change, else
    /// <see cref="KubernetesBackend.ApplyScheduleAsync"/> (labels, nodeSelector, rollout, pods verified on the nodes).</summary>
    public static async Task<int> ScheduleAsync(KubernetesBackend backend, ProductDefinition product, string file, bool dryRun, CancellationToken ct)
    {
        var nodes = await backend.ListNodesAsync(ct).ConfigureAwait(false);
        var inventory = HostInventory.Parse("hosts:\n" + string.Concat(nodes.Select(n => $"  {n}: {{ address: {n} }}\n")), "the cluster's nodes");
        var schedule = await ScheduleYaml.LoadAsync(file, product, inventory, ct).ConfigureAwait(false);
        var output = CliOutput.Current;
        var results = dryRun
            ? await backend.PlanScheduleAsync(schedule, ct).ConfigureAwait(false)
            : await backend.ApplyScheduleAsync(schedule, new SyncProgress<string>(output.Line), ct).ConfigureAwait(false);
        static string List(IReadOnlyList<string> items) => items.Count == 0 ? "-" : string.Join(", ", items);
        var text = string.Concat(results.Select(r =>
            $"{r.Service}: on {List(r.Nodes)}; {(dryRun ? "would label" : "labelled")} {List(r.Labelled)}; {(dryRun ? "would unlabel" : "unlabelled")} {List(r.Unlabelled)}; workloads {List(r.Workloads)}\n"));
        output.Result(new ScheduleOutcome(dryRun, results), text);
        return 0;
    }

    /// <summary>The dry run's note of the images <c>--nodes</c> would load (nothing when the package has none).</summary>
    public static async Task PrintImagesPlanAsync(LifecycleSession session, CancellationToken ct)
    {
        if (session.NodeImages is not { } loader || NodeImageLoader.ArchivesOf(session.Input.Product.Directory) is not { Count: > 0 } archives)
        {
            return;
        }

        var plan = await loader.PlanAsync(archives, ct).ConfigureAwait(false);
        CliOutput.Current.Text(string.Concat(plan.Select(n =>
            $"images: would load {string.Join(", ", n.Images)} ({string.Join(", ", n.Archives.Select(Path.GetFileName))}) onto node {n.Node} ({n.Runtime.ToString().ToLowerInvariant()})\n")));
    }

    /// <summary>The JSON result of <c>schedule apply</c> on a cluster.</summary>
    internal sealed record ScheduleOutcome(bool DryRun, IReadOnlyList<NodePlacementResult> Services);
}
