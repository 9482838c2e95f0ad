namespace Deploy.Core.Hosts;

/// <summary>Options for <see cref="IHost.WriteFileAsync"/>.</summary>
public sealed record FileWriteOptions
{
    /// <summary>Permission bits of the new file; <c>null</c> keeps the existing file's mode, or 0644 for a new one.</summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>The modification time to set; <c>null</c> for "now".</summary>
    public DateTimeOffset? ModifiedTime { get; init; }
}
