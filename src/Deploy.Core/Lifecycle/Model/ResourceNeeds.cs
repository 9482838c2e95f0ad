namespace Deploy.Core.Lifecycle.Model;

/// <summary>What one instance of a service needs on its host (<c>needs:</c> in <c>service.yaml</c>); precheck and the scheduler read it.</summary>
public sealed record ResourceNeeds
{
    /// <summary>No needs.</summary>
    public static readonly ResourceNeeds None = new();

    /// <summary>CPU cores (fractions allowed: <c>cpu: 0.5</c>).</summary>
    public double Cpu { get; init; }

    /// <summary>Memory in bytes (<c>memory: 512Mi</c>).</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Free disk space per target path (<c>disk: { /var/lib/redis: 1Gi }</c>), in bytes.</summary>
    public IReadOnlyList<DiskNeed> Disk { get; init; } = [];

    /// <summary>TCP ports the service listens on, which must be free before install.</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>Programs that must be on the host's PATH (<c>commands: [python3, redis-server]</c>).</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
}

/// <summary>Free space needed below one path on the host.</summary>
/// <param name="Path">An absolute path on the target (it need not exist yet; its closest existing parent is measured).</param>
/// <param name="Bytes">Bytes needed.</param>
public sealed record DiskNeed(string Path, long Bytes);
