using Deploy.Core.Operations.Running;
namespace Deploy.Docker.Updates.Steps;

/// <summary>Checks every affected container runs the new image ID and stays up (and healthy) for the settle time.</summary>
internal sealed class VerifyStep : IOperationStep<UpdateContext>
{
    public string Name => "verify";

    public async Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        context.VerifiedContainers.AddRange(await ServiceOperations.VerifyAsync(context, previous: false, cancellationToken).ConfigureAwait(false));
    }

    public Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
