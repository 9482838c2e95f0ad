namespace Deploy.Core.Hosts;

/// <summary>The kind of a file-system entry.</summary>
public enum FileKind
{
    /// <summary>A regular file.</summary>
    File,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link (not followed).</summary>
    Symlink,
    /// <summary>Anything else: device, FIFO, socket.</summary>
    Other,
}

/// <summary>What <see cref="IHost.StatAsync"/> and <see cref="IHost.ListTreeAsync"/> report for one entry.</summary>
/// <param name="Path">Absolute for stat; relative to the listed root (with <c>/</c>) for tree listings.</param>
/// <param name="Kind">File, directory, symlink or other.</param>
/// <param name="Size">Size in bytes (0 for directories).</param>
/// <param name="ModifiedTime">Modification time at the host's full precision (truncated to 100 ns ticks).</param>
/// <param name="Mode">Permission bits, including setuid/setgid/sticky.</param>
/// <param name="LinkTarget">The symlink's target text, for symlinks.</param>
public sealed record RemoteFileInfo(string Path, FileKind Kind, long Size, DateTimeOffset ModifiedTime, UnixFileMode Mode, string? LinkTarget = null);
