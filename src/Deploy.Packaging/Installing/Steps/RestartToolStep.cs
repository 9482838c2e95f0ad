using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>Restarts the tool from <c>current</c>: <see cref="PackageInstallOptions.RestartCommand"/>, or
/// <c>sh tools/restart</c> when the release has that file (otherwise nothing to restart).</summary>
public sealed class RestartToolStep : IOperationStep<InstallContext>
{
    /// <inheritdoc />
    public string Name => "restart";

    /// <inheritdoc />
    public async Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var result = await RestartAsync(context, cancellationToken).ConfigureAwait(false);
        result?.ThrowOnFailure();
    }

    /// <inheritdoc />
    public Task RollbackAsync(InstallContext context, CancellationToken cancellationToken) => Task.CompletedTask;


    /// <summary>Runs the release's script <c>$1</c> with <c>/bin/sh</c> when it exists; exits 0 when it does not.</summary>
    internal const string RunIfPresent = "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 0; exec /bin/sh \"$1\"";

    internal static async Task<CommandResult?> RestartAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.Host;
        if (context.Options.RestartCommand is { Count: > 0 } command)
        {
            return await host.RunAsync(new CommandSpec(command) { WorkingDirectory = context.CurrentLink, Timeout = TimeSpan.FromMinutes(10) }, cancellationToken).ConfigureAwait(false);
        }

        // The check for the script and its run are one command (one round trip; a push pays each one per host).
        return await host.RunAsync(new CommandSpec(["/bin/sh", "-c", RunIfPresent, "sh", "tools/restart"]) { WorkingDirectory = context.CurrentLink, Timeout = TimeSpan.FromMinutes(10) }, cancellationToken).ConfigureAwait(false);
    }
}
