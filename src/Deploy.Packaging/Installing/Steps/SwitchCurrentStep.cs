using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>Points the <c>current</c> symlink at the new release (one atomic rename). Rollback points it back at
/// the previous release (and restarts that one when the type restarts its tool), or removes it on a first install.</summary>
/// <param name="restartOnRollback">Whether rolling back restarts the previous release's tool.</param>
public sealed class SwitchCurrentStep(bool restartOnRollback) : IOperationStep<InstallContext>
{
    /// <inheritdoc />
    public string Name => "switch current";

    /// <inheritdoc />
    public Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return PointAsync(context, context.ReleaseName, cancellationToken);
    }

    /// <summary>
    /// <c>ln -sfn</c> to a temporary name, then <c>mv -T</c> over <c>current</c>: rename(2) replaces the link
    /// atomically, so readers see the old release or the new one. (IHost.CreateSymlinkAsync on LocalHost cannot
    /// replace a link that points at a directory: File.Move follows the link.)
    /// </summary>
    internal static async Task PointAsync(InstallContext context, string release, CancellationToken cancellationToken)
    {
        await context.Host.RunScriptAsync(InstallScripts.SwitchCurrent, [context.CurrentLink, release], cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
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

        await PointAsync(context, context.PreviousRelease, cancellationToken).ConfigureAwait(false);
        if (restartOnRollback)
        {
            // Best effort: the previous tool was running before; bring it back.
            await RestartToolStep.RestartAsync(context, cancellationToken).ConfigureAwait(false);
        }
    }

}
