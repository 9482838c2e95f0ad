using Deploy.Core.Operations.Running;
namespace Deploy.Docker.Updates.Steps;

/// <summary>Writes the edited compose, <c>.systemconfig</c> and <c>.env</c> files (each atomically); rollback restores the backups.</summary>
internal sealed class EditFilesStep : IOperationStep<UpdateContext>
{
    public string Name => "edit";

    public async Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        foreach (var change in context.Plan!.Files)
        {
            await Deploy.Core.Hosts.HostExtensions.WriteAllBytesAsync(context.Host, change.Path, change.NewBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken) => context.RestoreFilesAsync(cancellationToken);
}
