namespace Deploy.Core.Hosts;

/// <summary>One file of a bulk upload.</summary>
/// <param name="LocalPath">The source file on this machine.</param>
/// <param name="TargetPath">The absolute destination path on the host.</param>
public sealed record FileUpload(string LocalPath, string TargetPath)
{
    /// <summary>Permission bits at the destination; <c>null</c> copies the source file's mode.</summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>The modification time at the destination; <c>null</c> copies the source file's time (full precision).</summary>
    public DateTimeOffset? ModifiedTime { get; init; }

    /// <summary>
    /// The source's size when the caller already knows it (e.g. from a scan): progress totals use it instead of a
    /// stat per file. What is sent is what the file holds when it is read.
    /// </summary>
    public long? SizeHint { get; init; }
}

/// <summary>Progress of a bulk transfer.</summary>
/// <param name="FilesDone">Files fully sent so far.</param>
/// <param name="FilesTotal">Files in the transfer.</param>
/// <param name="BytesDone">Content bytes sent so far.</param>
/// <param name="BytesTotal">Content bytes in the transfer.</param>
/// <param name="CurrentPath">The destination path being sent, if any.</param>
public readonly record struct TransferProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, string? CurrentPath);

/// <summary>What a bulk transfer did.</summary>
/// <param name="Files">Files placed.</param>
/// <param name="Bytes">Content bytes sent.</param>
/// <param name="Duration">Wall time.</param>
public sealed record TransferSummary(int Files, long Bytes, TimeSpan Duration)
{
    /// <summary>
    /// The part of <see cref="Duration"/> until the last byte was sent; the rest is the target unpacking and placing
    /// the files. <value><c>null</c> when the transport does not tell the two apart.</value>
    /// </summary>
    public TimeSpan? StreamDuration { get; init; }
}
