using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;

namespace Deploy.Docker.Updates.Steps;

/// <summary>Checks the files still match the plan and copies them into the backup directory; the runner then journals where they are.</summary>
internal sealed class BackupFilesStep : IOperationStep<UpdateContext>
{
    public string Name => "backup";

    public async Task ApplyAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        var plan = context.Plan!;
        var files = new List<JournalFile>();
        await context.Host.CreateDirectoryAsync(context.BackupDirectory, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < plan.Files.Count; i++)
        {
            var change = plan.Files[i];
            var current = await context.Host.ReadAllBytesAsync(change.Path, cancellationToken).ConfigureAwait(false);
            if (!current.AsSpan().SequenceEqual(change.OriginalBytes))
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"'{change.Path}' changed since the plan was made; plan again.") { Host = context.Host.Name, Path = change.Path };
            }

            var backup = PosixPath.Combine(context.BackupDirectory, $"{i:D2}-{PosixPath.GetFileName(change.Path)}");
            await context.Host.WriteAllBytesAsync(backup, current, cancellationToken: cancellationToken).ConfigureAwait(false);
            files.Add(new JournalFile(change.Path, backup, UpdateContext.Sha256(current), UpdateContext.Sha256(change.NewBytes)));
        }

        context.Record = context.Record with { Files = files };
    }

    public Task RollbackAsync(UpdateContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
