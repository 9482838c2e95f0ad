namespace Deploy.Packaging.Reading;

/// <summary>The kinds of archive entries the reader distinguishes.</summary>
internal enum ArchiveItemKind
{
    File,
    Directory,
    Symlink,
    HardLink,

    /// <summary>Devices, FIFOs, sockets and anything unknown: never extracted.</summary>
    Special,
}

/// <summary>One entry of a tar or zip archive, as read (not yet validated).</summary>
/// <param name="Name">The raw entry name.</param>
/// <param name="Kind">The entry kind.</param>
/// <param name="Mode">Permission bits including setuid/setgid/sticky.</param>
/// <param name="Length">Declared content length.</param>
/// <param name="LinkTarget">Symlink target text or hard-link target name.</param>
/// <param name="Data">The content stream for files (valid until the next entry is read), else <c>null</c>.</param>
internal sealed record ArchiveItem(string Name, ArchiveItemKind Kind, int Mode, long Length, string? LinkTarget, Stream? Data);
