namespace Deploy.Core.Hosts;

/// <summary>A running process on a host.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Name">The short name (<c>comm</c>).</param>
/// <param name="CommandLine">The full command line, arguments joined by spaces.</param>
public sealed record ProcessInfo(int Pid, string Name, string CommandLine);

/// <summary>Which processes <see cref="IHost.FindProcessesAsync"/> looks for. Set exactly one criterion.</summary>
public sealed record ProcessQuery
{
    /// <summary>Exact process name (<c>comm</c>, as <c>pgrep -x</c>).</summary>
    public string? Name { get; init; }

    /// <summary>A substring of the full command line (as <c>pgrep -f</c>, but a plain substring, not a regex).</summary>
    public string? CommandLineContains { get; init; }

    /// <summary>A pid file; matches the process it names if that process is alive.</summary>
    public string? PidFile { get; init; }

    /// <summary>Processes named exactly <paramref name="name"/>.</summary>
    public static ProcessQuery ByName(string name) => new() { Name = name };

    /// <summary>Processes whose command line contains <paramref name="text"/>.</summary>
    public static ProcessQuery ByCommandLine(string text) => new() { CommandLineContains = text };

    /// <summary>The live process named by <paramref name="pidFile"/>.</summary>
    public static ProcessQuery ByPidFile(string pidFile) => new() { PidFile = pidFile };
}
