using Deploy.Core.Hosts;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>The outcome of one check on one host.</summary>
public enum CheckStatus
{
    /// <summary>The check passed.</summary>
    Pass,
    /// <summary>The check found a problem that does not block install.</summary>
    Warn,
    /// <summary>A strict check failed: install is blocked.</summary>
    Fail,
}

/// <summary>What a failing check does.</summary>
public enum CheckSeverity
{
    /// <summary>A failure is <see cref="CheckStatus.Fail"/> and blocks install.</summary>
    Strict,
    /// <summary>A failure is only <see cref="CheckStatus.Warn"/>.</summary>
    Warn,
    /// <summary>The check is not run.</summary>
    Off,
}

/// <summary>The names of the checks (keys of <see cref="PrecheckOptions.Severities"/> and of <c>check_result.yaml</c>).</summary>
public static class CheckNames
{
    /// <summary>The host answers.</summary>
    public const string Reachable = "reachable";
    /// <summary>The host's os-release is one the product supports.</summary>
    public const string OsRelease = "os_release";
    /// <summary>Enough CPUs for the services scheduled on the host.</summary>
    public const string Cpu = "cpu";
    /// <summary>Enough available memory.</summary>
    public const string Memory = "memory";
    /// <summary>Enough free disk space per path.</summary>
    public const string Disk = "disk";
    /// <summary>The services' ports are free (and no two services on the host need the same one).</summary>
    public const string Ports = "ports";
    /// <summary>The host's clock is close to the controller's.</summary>
    public const string ClockSkew = "clock_skew";
    /// <summary>The services' required commands are on PATH.</summary>
    public const string Commands = "commands";

    /// <summary>Every check, in report order.</summary>
    public static readonly IReadOnlyList<string> All = [Reachable, OsRelease, Cpu, Memory, Disk, Ports, ClockSkew, Commands];
}

/// <summary>One check's outcome on one host.</summary>
/// <param name="Host">The inventory host name.</param>
/// <param name="Check">The check (see <see cref="CheckNames"/>).</param>
/// <param name="Status">Pass, warn or fail.</param>
/// <param name="Message">What was expected and what was found.</param>
public sealed record CheckOutcome(string Host, string Check, CheckStatus Status, string Message);

/// <summary>How strict the checks are.</summary>
public sealed record PrecheckOptions
{
    /// <summary>Per-check severity; a check not listed is <see cref="CheckSeverity.Strict"/>, except
    /// <see cref="CheckNames.ClockSkew"/> which is <see cref="CheckSeverity.Warn"/>. <value>The default is empty.</value></summary>
    public IReadOnlyDictionary<string, CheckSeverity> Severities { get; init; } = new Dictionary<string, CheckSeverity>();

    /// <summary>The largest clock difference that passes; <value>the default is 5 seconds</value>.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Decides whether an os-release is supported. <c>null</c> matches the product's <c>osRelease</c> ids against the
    /// host's <c>ID</c> (case-insensitive; any host when the product lists none). Pass Deploy.Packaging's
    /// <c>OsReleaseFilter.Matches</c> for version rules such as <c>centos&gt;=7</c>.
    /// </summary>
    public Func<OsRelease, bool>? OsReleaseMatcher { get; init; }

    /// <summary>The severity of <paramref name="check"/>.</summary>
    public CheckSeverity SeverityOf(string check) => Severities.TryGetValue(check, out var s) ? s : check == CheckNames.ClockSkew ? CheckSeverity.Warn : CheckSeverity.Strict;
}

/// <summary>What the services scheduled on one host need from it, summed.</summary>
/// <param name="Host">The inventory host name.</param>
/// <param name="Services">The services scheduled there, by name.</param>
public sealed record HostRequirements(string Host, IReadOnlyList<string> Services)
{
    /// <summary>CPU cores.</summary>
    public double Cpu { get; init; }

    /// <summary>Memory bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Free bytes per path.</summary>
    public IReadOnlyDictionary<string, long> Disk { get; init; } = new Dictionary<string, long>();

    /// <summary>Ports and the services that need each.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> Ports { get; init; } = new Dictionary<int, IReadOnlyList<string>>();

    /// <summary>Commands and the services that need each.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Commands { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The os-release ids the product supports (empty: any).</summary>
    public IReadOnlyList<string> OsRelease { get; init; } = [];
}
