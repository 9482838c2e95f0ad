namespace Deploy.Core.Sync;

/// <summary>
/// One file as a manifest records it. <see cref="ModifiedUtcTicks"/> keeps the modification time at full
/// precision (100 ns ticks, UTC), so two same-size writes within the same second still differ; rsync's quick
/// check compares whole seconds and misses them.
/// </summary>
/// <param name="Path">The key: a target path (absolute) or a path relative to a tree root, with <c>/</c>.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="ModifiedUtcTicks">Modification time as UTC ticks (full precision).</param>
/// <param name="Mode">Permission bits.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content, when computed (checksum mode).</param>
public sealed record FileEntry(string Path, long Size, long ModifiedUtcTicks, UnixFileMode Mode, string? Sha256 = null)
{
    /// <summary>The modification time as a UTC <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset ModifiedTime => new(ModifiedUtcTicks, TimeSpan.Zero);
}
