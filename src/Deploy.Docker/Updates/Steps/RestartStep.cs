using Deploy.Core.Operations.Running;
namespace Deploy.Docker.Updates.Steps;

/// <summary>Recreates the affected services (or runs the deployment's restart script). Rollback restores the files
/// first, restarts again on them, and checks the services run their previous images.</summary>
internal sealed class RestartStep : IOperationStep<UpdateContext>
{
    public string Name => "restart";

    public async Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        await ServiceOperations.RestartAsync(context, cancellationToken).ConfigureAwait(false);
    }

    public async Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        await context.RestoreFilesAsync(cancellationToken).ConfigureAwait(false);
        await ServiceOperations.RestartAsync(context, cancellationToken).ConfigureAwait(false);
        await ServiceOperations.VerifyAsync(context, previous: true, cancellationToken).ConfigureAwait(false);
    }
}
