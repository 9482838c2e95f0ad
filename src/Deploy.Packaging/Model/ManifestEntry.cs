namespace Deploy.Packaging.Model;

/// <summary>The kind of a manifest entry.</summary>
public enum ManifestEntryKind
{
    /// <summary>A regular file (its hash and size are checked).</summary>
    File,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (its target text is checked).</summary>
    Symlink,
}

/// <summary>One file of a package as the manifest records it.</summary>
/// <param name="Path">Relative path with <c>/</c> separators.</param>
/// <param name="Kind">File, directory or symlink.</param>
/// <param name="Size">Size in bytes (0 for directories and links).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content; empty for directories and links.</param>
/// <param name="Mode">Permission bits (e.g. 0755 as 493).</param>
/// <param name="LinkTarget">A symlink's target text, or a hard link's target path; otherwise <c>null</c>.</param>
public sealed record ManifestEntry(string Path, ManifestEntryKind Kind, long Size, string Sha256, int Mode, string? LinkTarget = null);
