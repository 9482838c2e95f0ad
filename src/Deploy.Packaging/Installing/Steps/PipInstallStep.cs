using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>
/// Installs the release's wheels into the virtualenv with pip, offline (<c>--no-index</c>), exactly the wheels
/// given (<c>--no-deps --force-reinstall</c>). The virtualenv is copied first (<c>cp -a</c>); rollback puts the
/// copy back, so a failed install leaves the previous code in place.
/// </summary>
public sealed class PipInstallStep : IInstallStep
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
        var check = await TargetShell.RunAsync(context.Host, "test -x \"$R$1/bin/python\"", [venv], null, cancellationToken).ConfigureAwait(false);
        if (!check.Succeeded)
        {
            throw new DeployException(DeployErrorCode.ToolMissing, $"The virtualenv '{venv}' has no bin/python; create it (python3 -m venv {venv}) or set PackageInstallOptions.VirtualEnv.") { Host = context.Host.Name, Path = venv };
        }

        await TargetShell.RunAsync(context.Host, "rm -rf -- \"$R$2\"; cp -a -- \"$R$1\" \"$R$2\"", [venv, backup], null, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        await TargetShell.RunAsync(
            context.Host,
            "v=$1; shift; \"$R$v/bin/python\" -m pip install --disable-pip-version-check --no-index --no-deps --force-reinstall --find-links . \"$@\"",
            [venv, .. wheels],
            context.ReleaseDirectory,
            cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await TargetShell.RunAsync(
            context.Host,
            "if [ -d \"$R$2\" ]; then rm -rf -- \"$R$1\"; mv -- \"$R$2\" \"$R$1\"; fi",
            [context.Options.VirtualEnv, Backup(context)],
            null,
            cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CommitAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Host.RemoveAsync(Backup(context), recursive: true, cancellationToken).ConfigureAwait(false);
    }

    private static string Backup(InstallContext context) => context.Options.VirtualEnv.TrimEnd('/') + ".deploy-backup";
}
