using Deploy.Core.Errors;
using Deploy.Core.Operations.Running;

namespace Deploy.Docker.Updates.Steps;

/// <summary>Loads the archives into the engine and checks each target image is there with the ID its archive records.
/// The old images stay, so a rollback needs no reload.</summary>
internal sealed class LoadImagesStep : IOperationStep<UpdateContext>
{
    public string Name => "load";

    public async Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        var plan = context.Plan!;
        foreach (var archive in plan.Targets.Select(t => t.Archive).Distinct(StringComparer.Ordinal))
        {
            var loaded = await context.Engine.LoadAsync(archive, cancellationToken: cancellationToken).ConfigureAwait(false);
            context.LoadedReferences.AddRange(loaded.References);
        }

        foreach (var target in plan.Targets)
        {
            var id = await context.Engine.GetImageIdAsync(target.Reference.ToString(), cancellationToken).ConfigureAwait(false);
            if (id != target.ImageId)
            {
                throw new DeployException(DeployErrorCode.ImageArchiveInvalid, $"After loading '{target.Archive}', {target.Reference} is {id ?? "missing"} on {context.Host.Name}, expected {target.ImageId}.") { Host = context.Host.Name, Path = target.Archive };
            }
        }

    }

    public Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
