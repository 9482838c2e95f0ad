namespace Deploy.Packaging.Reading;

/// <summary>Limits that stop hostile archives (decompression bombs, millions of entries, setuid files).</summary>
public sealed record ExtractionLimits
{
    /// <summary>The most content bytes one archive layer may expand to.
    /// <value>The default is 64 GiB.</value></summary>
    public long MaxTotalBytes { get; init; } = 64L << 30;

    /// <summary>The most entries one archive layer may hold. <value>The default is 1,000,000.</value></summary>
    public int MaxEntries { get; init; } = 1_000_000;

    /// <summary>Whether files with setuid or setgid bits may be extracted (with those bits).
    /// <value>The default is <c>false</c>: such entries are refused.</value></summary>
    public bool AllowSetuid { get; init; }
}
