using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Packaging.Installing.Steps;

/// <summary><c>rpm -Uvh</c> of every *.rpm of the release, in one rpm transaction (rpm installs all or none).
/// Rollback is not possible once rpm succeeded (rpm has no transaction undo here); the step is ordered so that
/// only the symlink switch follows it.</summary>
public sealed class RpmInstallStep : IOperationStep<InstallContext>
{
    /// <inheritdoc />
    public string Name => "rpm -Uvh";

    /// <inheritdoc />
    public async Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rpms = context.Package!.Manifest.Payload
            .Where(e => e.Kind == Model.ManifestEntryKind.File && e.Path.EndsWith(".rpm", StringComparison.Ordinal))
            .Select(e => "./" + e.Path)
            .ToArray();
        if (rpms.Length == 0)
        {
            throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.PackageInvalid, "The payload holds no *.rpm file.") { Path = "package.tar.gz" };
        }

        var argv = new List<string> { "rpm", "-Uvh" };
        argv.AddRange(context.Options.RpmArguments);
        argv.Add("--");
        argv.AddRange(rpms);
        await context.Host.RunAsync(new CommandSpec(argv) { WorkingDirectory = context.ReleaseDirectory, Timeout = TimeSpan.FromHours(1) }, cancellationToken)
            .ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task RollbackAsync(InstallContext context, CancellationToken cancellationToken) => Task.CompletedTask;

}
