using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Engine;
using Microsoft.Extensions.Logging;

namespace Deploy.Docker.Updates;

/// <summary>The state shared by the steps of one update (or one rollback): host, engine, plan and journal payload.</summary>
internal sealed class UpdateContext(IHost host, DockerEngine engine, ImageUpdateOptions options, ILogger logger, TimeProvider time, string id, ImageUpdateRecord record)
{
    public IHost Host { get; } = host;

    public DockerEngine Engine { get; } = engine;

    public ImageUpdateOptions Options { get; } = options;

    public ILogger Logger { get; } = logger;

    public TimeProvider Time { get; } = time;

    /// <summary>The update's id: its journal's id and its backup folder's name.</summary>
    public string Id { get; } = id;

    /// <summary>The journal payload (steps add to it; the runner journals it after each step).</summary>
    public ImageUpdateRecord Record { get; set; } = record;

    public ImageUpdatePlan? Plan { get; init; }

    public List<string> LoadedReferences { get; } = [];

    public List<VerifiedContainer> VerifiedContainers { get; } = [];

    /// <summary>Files a rollback restored.</summary>
    public List<string> RestoredFiles { get; } = [];

    public string BackupRoot => PosixPath.Combine(Options.Directory, Options.BackupDirectoryName);

    public string BackupDirectory => PosixPath.Combine(BackupRoot, Id);

    public async Task RestoreFilesAsync(CancellationToken cancellationToken)
    {
        foreach (var file in Record.Files)
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
            if (!RestoredFiles.Contains(file.Path))
            {
                RestoredFiles.Add(file.Path);
            }
        }
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
