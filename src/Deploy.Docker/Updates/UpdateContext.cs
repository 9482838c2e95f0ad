using System.Security.Cryptography;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Engine;
using Microsoft.Extensions.Logging;

namespace Deploy.Docker.Updates;

/// <summary>The state shared by the steps of one update (or one recovery): host, engine, plan and journal.</summary>
internal sealed class UpdateContext(IHost host, DockerEngine engine, ImageUpdateOptions options, ILogger logger, TimeProvider time, UpdateJournal journal)
{
    public IHost Host { get; } = host;

    public DockerEngine Engine { get; } = engine;

    public ImageUpdateOptions Options { get; } = options;

    public ILogger Logger { get; } = logger;

    public TimeProvider Time { get; } = time;

    public UpdateJournal Journal { get; set; } = journal;

    public ImageUpdatePlan? Plan { get; init; }

    public List<string> LoadedReferences { get; } = [];

    public List<VerifiedContainer> VerifiedContainers { get; } = [];

    public string BackupRoot => PosixPath.Combine(Options.Directory, Options.BackupDirectoryName);

    public string BackupDirectory => PosixPath.Combine(BackupRoot, Journal.Id);

    public static string PendingPath(ImageUpdateOptions options) => PosixPath.Combine(options.Directory, options.BackupDirectoryName, "pending.json");

    public static async Task<UpdateJournal?> ReadPendingAsync(IHost host, ImageUpdateOptions options, CancellationToken cancellationToken)
    {
        var path = PendingPath(options);
        if (!await host.ExistsAsync(path, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var bytes = await host.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, JournalJsonContext.Default.UpdateJournal)
                ?? throw new JsonException("empty journal");
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The update journal '{path}' on {host.Name} cannot be read; inspect it and the backups beside it, then remove it.", e) { Host = host.Name, Path = path };
        }
    }

    public async Task SaveJournalAsync(string step, CancellationToken cancellationToken)
    {
        Journal = Journal with { Step = step };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(Journal, JournalJsonContext.Default.UpdateJournal);
        await Host.WriteAllBytesAsync(PendingPath(Options), bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the journal: it moves beside the backups it describes, so the next run finds nothing pending.</summary>
    public async Task CloseJournalAsync(string finalStep, CancellationToken cancellationToken)
    {
        await SaveJournalAsync(finalStep, cancellationToken).ConfigureAwait(false);
        await Host.CreateDirectoryAsync(BackupDirectory, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Host.MoveAsync(PendingPath(Options), PosixPath.Combine(BackupDirectory, "journal.json"), overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<List<string>> RestoreFilesAsync(CancellationToken cancellationToken)
    {
        var restored = new List<string>();
        foreach (var file in Journal.Files)
        {
            var current = await Host.ExistsAsync(file.Path, cancellationToken).ConfigureAwait(false)
                ? Sha256(await Host.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false))
                : null;
            if (current == file.OriginalSha256)
            {
                continue;
            }

            var backup = await Host.ReadAllBytesAsync(file.Backup, cancellationToken).ConfigureAwait(false);
            if (Sha256(backup) != file.OriginalSha256)
            {
                throw new DeployException(DeployErrorCode.RollbackFailed, $"The backup '{file.Backup}' of '{file.Path}' does not match its recorded hash; restore the file by hand.") { Host = Host.Name, Path = file.Backup };
            }

            await Host.WriteAllBytesAsync(file.Path, backup, cancellationToken: cancellationToken).ConfigureAwait(false);
            restored.Add(file.Path);
        }

        return restored;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
