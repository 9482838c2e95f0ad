namespace Deploy.Packaging.Building;

/// <summary>What <see cref="FileType.Of"/> found at a path (without following a final symlink).</summary>
internal enum FileKind
{
    /// <summary>Nothing there (or it cannot be inspected).</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    Symlink,

    /// <summary>A FIFO, socket or device.</summary>
    Other,
}
