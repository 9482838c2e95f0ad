using System.Text.Json.Serialization;

namespace Deploy.Docker.Updates;

/// <summary>
/// The record an update writes on the target before it changes anything (<c>.deploy-backup/pending.json</c>):
/// which files were backed up where, which services run on which images, and the step reached. A run that finds
/// it knows an earlier one was interrupted and rolls it back.
/// </summary>
internal sealed record UpdateJournal(
    string Id,
    string Directory,
    string Step,
    List<JournalFile> Files,
    List<JournalService> Services,
    string? RestartScript,
    List<string> RestartArguments);

/// <summary>A backed-up file.</summary>
internal sealed record JournalFile(string Path, string Backup, string OriginalSha256, string NewSha256);

/// <summary>A service the update touches, with how compose addresses it and its image before and after.</summary>
internal sealed record JournalService(string ProjectDirectory, string Service, string ProjectName, List<string> ConfigFiles, string? OldImageId, string NewImageId);

[JsonSerializable(typeof(UpdateJournal))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
