using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Precheck;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>What the user asked for (the laipvt flags of install, upgrade and delete).</summary>
/// <param name="Operation">The operation.</param>
public sealed record LifecycleRequest(LifecycleOperation Operation)
{
    /// <summary><c>--services=a,b</c>: the services to touch; empty for all (install and upgrade: every app and
    /// middleware service, plus installed add-ons on upgrade; delete: every installed service). <value>Empty.</value></summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary><c>--third=jaeger,monitor</c>: add-on services to install too. <value>Empty.</value></summary>
    public IReadOnlyList<string> AddOns { get; init; } = [];

    /// <summary><c>--parallel N</c> (laipvt's <c>--optimize</c>): steps of a wave running at once. <value>1.</value></summary>
    public int Parallel { get; init; } = 1;

    /// <summary><c>--auto-test</c>: run the test hooks of the touched services afterwards; a failure rolls the
    /// operation back. <value><c>false</c>.</value></summary>
    public bool AutoTest { get; init; }

    /// <summary><c>rollback [revision]</c>: the release to return to; <c>null</c> for the one before the current.
    /// <value><c>null</c>.</value></summary>
    public int? Revision { get; init; }

    /// <summary><c>--take-new</c> / <c>--keep-live</c>: how config conflicts are settled; <c>null</c> stops the
    /// operation at plan time on a conflict. <value><c>null</c>.</value></summary>
    public ConflictResolution? Conflicts { get; init; }

    /// <summary>
    /// The precheck that gates the run: before anything changes, every host that gets a service it does not run yet
    /// is checked for what those services need (os-release, CPU, memory, disk, ports, clock, commands); a strict check
    /// that fails stops the run with <see cref="Errors.DeployErrorCode.PrecheckFailed"/> naming the host and the check,
    /// a warning is reported and the run goes on. <c>null</c> skips it (laipvt installs only after a passed precheck).
    /// <value>The default is <c>new PrecheckOptions()</c>: every check strict except the clock skew.</value>
    /// </summary>
    public PrecheckOptions? Precheck { get; init; } = new();

    /// <summary>
    /// <c>middleware --action install|delete|upgrade --middleware NAME</c>: the request for one middleware service
    /// (<c>--action reset</c> is <see cref="LifecycleEngine.ResetAsync"/> with that service). A name the product does not
    /// have is <see cref="Errors.DeployErrorCode.UnknownService"/>; a service that is not middleware is
    /// <see cref="Errors.DeployErrorCode.InvalidArgument"/>.
    /// </summary>
    public static LifecycleRequest ForMiddleware(Model.ProductDefinition product, LifecycleOperation operation, string middleware)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentException.ThrowIfNullOrEmpty(middleware);
        var service = product.GetService(middleware);
        if (service.Kind != Model.ProductServiceKind.Middleware)
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.InvalidArgument, $"'{middleware}' is {service.Kind.ToString().ToLowerInvariant()}, not middleware; the middleware of '{product.Name}' are: {string.Join(", ", product.Middleware.Select(m => m.Name))}.") { Service = middleware, Path = "middleware" };
        }

        return operation is LifecycleOperation.Install or LifecycleOperation.Delete or LifecycleOperation.Upgrade
            ? new LifecycleRequest(operation) { Services = [middleware] }
            : throw new ArgumentOutOfRangeException(nameof(operation), operation, "A middleware action is install, delete or upgrade (reset: LifecycleEngine.ResetAsync).");
    }
}
