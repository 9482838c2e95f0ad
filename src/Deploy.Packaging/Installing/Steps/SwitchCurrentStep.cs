namespace Deploy.Packaging.Installing.Steps;

/// <summary>Points the <c>current</c> symlink at the new release (one atomic rename). Rollback points it back at
/// the previous release (and restarts that one when the type restarts its tool), or removes it on a first install.</summary>
/// <param name="restartOnRollback">Whether rolling back restarts the previous release's tool.</param>
public sealed class SwitchCurrentStep(bool restartOnRollback) : IInstallStep
{
    /// <inheritdoc />
    public string Name => "switch current";

    /// <inheritdoc />
    public Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Host.CreateSymlinkAsync(context.CurrentLink, "releases/" + context.ReleaseName, cancellationToken);
    }

    /// <inheritdoc />
    public async Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.PreviousRelease is null)
        {
            await context.Host.RemoveAsync(context.CurrentLink, false, cancellationToken).ConfigureAwait(false);
            return;
        }

        await context.Host.CreateSymlinkAsync(context.CurrentLink, "releases/" + context.PreviousRelease, cancellationToken).ConfigureAwait(false);
        if (restartOnRollback)
        {
            // Best effort: the previous tool was running before; bring it back.
            await RestartToolStep.RestartAsync(context, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task CommitAsync(InstallContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
