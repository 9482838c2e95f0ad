namespace Deploy.Testing.Hosts;

/// <summary>One host to start: its inventory name, what its <c>/etc/os-release</c> says, and optionally its address.</summary>
/// <param name="Name">The inventory name (unique within the set; letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</param>
public sealed record IsolatedHostSpec(string Name)
{
    /// <summary>The content of the host's <c>/etc/os-release</c> (see <see cref="OsReleases"/>).
    /// <value>The default is <see cref="OsReleases.Debian12"/>.</value></summary>
    public string OsRelease { get; init; } = OsReleases.Debian12;

    /// <summary>
    /// The loopback address sshd listens on (within 127.0.0.0/8); <c>null</c> for one from
    /// <see cref="LoopbackAddresses"/>, which gives each test process its own range. A fixed address is not moved
    /// when it is taken: the start fails instead. <value>The default is <c>null</c>.</value>
    /// </summary>
    public string? Address { get; init; }

    /// <summary>A host named <paramref name="name"/> that reports <paramref name="osRelease"/>.</summary>
    public static IsolatedHostSpec Of(string name, string osRelease) => new(name) { OsRelease = osRelease };

    /// <summary>Three hosts that really differ: <c>centos</c> (7), <c>bclinux</c> (8.8) and <c>debian</c> (12).</summary>
    public static IReadOnlyList<IsolatedHostSpec> ThreeDistributions { get; } =
    [
        Of("centos", OsReleases.CentOs7),
        Of("bclinux", OsReleases.BcLinux88),
        Of("debian", OsReleases.Debian12),
    ];
}
