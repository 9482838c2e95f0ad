using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Installing;

namespace Deploy.Packaging.Products;

/// <summary>The registry entry of <see cref="ProductPackage.Type"/>: a product is applied by the lifecycle engine
/// across its hosts, so <see cref="PackageInstaller"/> refuses it with a pointer to the right command, and the
/// package's <c>./install</c> launcher hands over to the <c>deploy</c> tool.</summary>
internal sealed class ProductInstallStrategy : IPackageInstallStrategy
{
    public static ProductInstallStrategy Instance { get; } = new();

    public LauncherProfile? Launcher => null;

    public IReadOnlyList<ProcessQuery> BackgroundProcesses(InstallContext context) => [];

    public IReadOnlyList<IOperationStep<InstallContext>> CreateSteps(InstallContext context) =>
        throw new DeployException(DeployErrorCode.UnknownPackageType, $"{ProductPackage.Type} packages are installed across their hosts by the lifecycle engine (deploy install -i inventory.yaml -f PKG), not by the single-host package installer.") { Host = context?.Host.Name };
}
