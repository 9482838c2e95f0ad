namespace Deploy.Core.Sync;

/// <summary>A local file found by <see cref="ManifestScanner"/>: its manifest entry and where it lives here.</summary>
/// <param name="Entry">The entry (its <see cref="FileEntry.Path"/> is the key the caller asked for).</param>
/// <param name="LocalPath">The full local path.</param>
public sealed record ScannedFile(FileEntry Entry, string LocalPath);
