using Deploy.Core.Hosts;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>What a collector found on one host (see <see cref="FactCollector"/>). Analyzers read only this.</summary>
/// <param name="Host">The inventory host name.</param>
public sealed record HostFacts(string Host)
{
    /// <summary>Whether the host answered. When not, <see cref="Error"/> says why and the other facts are empty.</summary>
    public bool Reachable { get; init; } = true;

    /// <summary>Why the host could not be reached (no secrets).</summary>
    public string? Error { get; init; }

    /// <summary>Online CPUs.</summary>
    public int CpuCount { get; init; }

    /// <summary>Total memory in bytes.</summary>
    public long MemoryTotalBytes { get; init; }

    /// <summary>Available memory in bytes (<c>MemAvailable</c>).</summary>
    public long MemoryAvailableBytes { get; init; }

    /// <summary>Free bytes per requested path (measured at its closest existing parent); -1 when unknown.</summary>
    public IReadOnlyDictionary<string, long> DiskFreeBytes { get; init; } = new Dictionary<string, long>();

    /// <summary>TCP ports something listens on, ascending.</summary>
    public IReadOnlyList<int> ListeningPorts { get; init; } = [];

    /// <summary>The host's clock minus the controller's (measured at the midpoint of the round trip).</summary>
    public TimeSpan? ClockSkew { get; init; }

    /// <summary>The host's os-release.</summary>
    public OsRelease? OsRelease { get; init; }

    /// <summary>Whether each requested command is on the host's PATH.</summary>
    public IReadOnlyDictionary<string, bool> Commands { get; init; } = new Dictionary<string, bool>();

    /// <summary>The host's own name.</summary>
    public string? Hostname { get; init; }
}
