using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Packaging.Installing;

/// <summary>
/// How one package type is installed: which background processes must not run, and which steps install it.
/// Register a strategy for your own package type in a <see cref="PackageTypeRegistry"/>.
/// </summary>
public interface IPackageInstallStrategy
{
    /// <summary>The processes of the tool that must be stopped first (empty when none): without force the install
    /// refuses and names them; with force they are stopped.</summary>
    IReadOnlyList<ProcessQuery> BackgroundProcesses(InstallContext context);

    /// <summary>The ordered steps (each with its rollback), run by the operations core: journaled on the target,
    /// rolled back in reverse on failure or after a crash. Step names are recorded in the journal: keep them stable.</summary>
    IReadOnlyList<IOperationStep<InstallContext>> CreateSteps(InstallContext context);

    /// <summary>What the generated <c>./install</c> launcher does for this type, or <c>null</c> when the
    /// launcher should hand over to the <c>deploy</c> tool (<c>deploy package install</c>).</summary>
    LauncherProfile? Launcher { get; }
}
