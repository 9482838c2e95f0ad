namespace Deploy.Packaging.Building;

/// <summary>How <see cref="PackageBuilder"/> writes a package.</summary>
public sealed record PackageBuildOptions
{
    /// <summary>The gzip level (1-9; 6 is <c>gzip -6</c>, the default of gzip and tar).
    /// <value>The default is 6.</value></summary>
    public int CompressionLevel { get; init; } = 6;

    /// <summary>The size of the independently compressed gzip members. Larger blocks compress slightly better;
    /// memory is about <c>2 × BlockSize × (Parallelism + 1)</c> (input and compressed blocks in flight).
    /// <value>The default is 1 MiB.</value></summary>
    public int BlockSize { get; init; } = 1 << 20;

    /// <summary>How many blocks are compressed at once; 0 for one per core. <value>The default is 0.</value></summary>
    public int Parallelism { get; init; }

    /// <summary>The modification time written for every entry (reproducible builds).
    /// <value>The default is 2000-01-01T00:00:00Z.</value></summary>
    public DateTimeOffset ModifiedTime { get; init; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Where temporary files (the payload archive built from a folder) go; <c>null</c> for beside the
    /// output file, or the system temp folder when writing to a stream.</summary>
    public string? TempDirectory { get; init; }
}
