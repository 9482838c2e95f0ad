using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>
/// Installs the release's wheels into the virtualenv with pip, offline (<c>--no-index</c>), exactly the wheels
/// given (<c>--no-deps --force-reinstall</c>). The virtualenv is copied first (<c>cp -a</c>); rollback puts the
/// copy back, so a failed install leaves the previous code in place.
/// </summary>
public sealed class PipInstallStep : IOperationStep<InstallContext>
{
    /// <inheritdoc />
    public string Name => "pip install";

    /// <inheritdoc />
    public async Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var wheels = context.Package!.Manifest.Payload
            .Where(e => e.Kind == Model.ManifestEntryKind.File && e.Path.EndsWith(".whl", StringComparison.Ordinal) && !e.Path.Contains('/', StringComparison.Ordinal))
            .Select(e => "./" + e.Path)
            .ToArray();
        if (wheels.Length == 0)
        {
            return;
        }

        var venv = context.Options.VirtualEnv;
        var backup = Backup(context);
        var python = venv.TrimEnd('/') + "/bin/python";
        var check = await context.Host.RunAsync(CommandSpec.Of("test", "-x", python).WithPathArguments(2), cancellationToken).ConfigureAwait(false);
        if (!check.Succeeded)
        {
            throw new DeployException(DeployErrorCode.ToolMissing, $"The virtualenv '{venv}' has no bin/python; create it (python3 -m venv {venv}) or set PackageInstallOptions.VirtualEnv.") { Host = context.Host.Name, Path = venv };
        }

        await context.Host.RunScriptAsync(InstallScripts.VenvBackup, [venv, backup], InstallScripts.Long, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        var pip = new CommandSpec([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--no-deps", "--force-reinstall", "--find-links", ".", .. wheels])
        {
            WorkingDirectory = context.ReleaseDirectory,
            Timeout = InstallScripts.Long.Timeout,
        };
        await context.Host.RunAsync(pip.WithPathArguments(0), cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Host.RunScriptAsync(InstallScripts.VenvRestore, [context.Options.VirtualEnv, Backup(context)], InstallScripts.Long, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CommitAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Host.RemoveAsync(Backup(context), recursive: true, cancellationToken).ConfigureAwait(false);
    }

    private static string Backup(InstallContext context) => context.Options.VirtualEnv.TrimEnd('/') + ".deploy-backup";
}
