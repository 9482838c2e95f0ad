using System.CommandLine;
using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Lifecycle;
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
        try
        {
            opened = await ProductPackage.OpenAsync(package, cancellationToken: ct).ConfigureAwait(false);
            var product = opened.Product;
            var backend = new KubernetesBackend(product.Name, connection);
            var values = parse.GetValue(options.Values) is { } v ? await SiteValues.LoadAsync(v, ct).ConfigureAwait(false) : ValueTree.Empty;
            var inventory = HostInventory.Parse($"hosts:\n  {backend.Hosts[0]}: {{ address: {connection.Server.Host} }}\n", "kubernetes");
            return new LifecycleSession(opened, inventory, new LifecycleInput(product, backend.Schedule(product)) { SiteValues = values }, backend, [], connection);
        }
        catch
        {
            opened?.Dispose();
            connection.Dispose();
            throw;
        }
    }
}
