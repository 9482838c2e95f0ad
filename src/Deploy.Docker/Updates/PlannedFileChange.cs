namespace Deploy.Docker.Updates;

/// <summary>A file the update rewrites, with its exact old and new bytes.</summary>
/// <param name="Path">The file path on the target.</param>
/// <param name="OriginalBytes">The bytes the plan was made from (the update refuses to run if the file changed since).</param>
/// <param name="NewBytes">The bytes written by the update.</param>
/// <param name="Edits">The changed lines.</param>
public sealed record PlannedFileChange(string Path, byte[] OriginalBytes, byte[] NewBytes, IReadOnlyList<PlannedFileEdit> Edits);
