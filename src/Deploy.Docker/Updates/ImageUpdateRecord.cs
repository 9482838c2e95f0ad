namespace Deploy.Docker.Updates;

/// <summary>
/// What an image update journals on the target (the payload of its operation journal,
/// <c>.deploy-backup/pending.json</c> while it runs, then <c>.deploy-backup/&lt;id&gt;/journal.json</c>): which files
/// were backed up where, which services run on which images, and how to restart them. A later run rolls an
/// interrupted update back from it alone.
/// </summary>
internal sealed record ImageUpdateRecord(
    string Directory,
    IReadOnlyList<JournalFile> Files,
    IReadOnlyList<JournalService> Services,
    string? RestartScript,
    IReadOnlyList<string> RestartArguments)
{
    /// <summary>The operation kind recorded in the journal and the lock.</summary>
    public const string Kind = "image-update";

    /// <summary>How the update ended (<c>completed</c> or <c>rolledback</c>), set when its journal is closed.</summary>
    public string? Outcome { get; init; }
}

/// <summary>A backed-up file.</summary>
internal sealed record JournalFile(string Path, string Backup, string OriginalSha256, string NewSha256);

/// <summary>A service the update touches, with how compose addresses it and its image before and after.</summary>
internal sealed record JournalService(string ProjectDirectory, string Service, string ProjectName, IReadOnlyList<string> ConfigFiles, string? OldImageId, string NewImageId);
