using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>
/// Collects a host's facts in one round trip: one shell script (<c>precheck-collect-facts.sh</c>, shipped as a resource and
/// checked by shellcheck) prints CPU count, memory, free disk per path, listening TCP ports, the clock, the host name,
/// os-release and which commands are on PATH. A host that cannot be reached gives facts with
/// <see cref="HostFacts.Reachable"/> false, never an exception.
/// </summary>
public static class FactCollector
{
    private static readonly HostScript Script = HostScript.FromResource(typeof(FactCollector).Assembly, "precheck-collect-facts.sh");

    /// <summary>How long the collector may run on one host.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Collects the facts of <paramref name="host"/>.</summary>
    /// <param name="host">The host.</param>
    /// <param name="hostName">The inventory name to report the facts under.</param>
    /// <param name="diskPaths">Absolute paths whose free space is measured.</param>
    /// <param name="commands">Commands looked up on PATH.</param>
    /// <param name="timeProvider">The controller's clock, for the skew; <c>null</c> for the system clock.</param>
    /// <param name="cancellationToken">Cancels the collection.</param>
    public static async Task<HostFacts> CollectAsync(IHost host, string hostName, IReadOnlyCollection<string> diskPaths, IReadOnlyCollection<string> commands, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(diskPaths);
        ArgumentNullException.ThrowIfNull(commands);
        var time = timeProvider ?? TimeProvider.System;
        var args = diskPaths.Append("--").Concat(commands).ToList();
        var before = time.GetUtcNow();
        CommandResult result;
        try
        {
            result = await host.RunScriptAsync(Script, args, new CommandSpec(["sh"]) { Idempotent = true, Timeout = Timeout }, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code is DeployErrorCode.HostUnreachable or DeployErrorCode.AuthenticationFailed or DeployErrorCode.HostKeyUnknown or DeployErrorCode.HostKeyMismatch or DeployErrorCode.Timeout)
        {
            return new HostFacts(hostName) { Reachable = false, Error = $"{e.Code}: {e.Message}" };
        }

        var after = time.GetUtcNow();
        if (!result.Succeeded)
        {
            return new HostFacts(hostName) { Reachable = false, Error = $"the fact collector exited {result.ExitCode}: {result.StandardError.Trim()}" };
        }

        return Parse(hostName, result.StandardOutput, before + ((after - before) / 2));
    }

    /// <summary>Parses the collector's output; <paramref name="controllerTime"/> is the controller's clock when the host read its own.</summary>
    internal static HostFacts Parse(string hostName, string output, DateTimeOffset controllerTime)
    {
        var osAt = output.IndexOf("\nos-release\n", StringComparison.Ordinal);
        var head = osAt >= 0 ? output[..osAt] : output;
        var facts = new HostFacts(hostName) { OsRelease = osAt >= 0 ? OsRelease.Parse(output[(osAt + 12)..]) : null };
        var disk = new Dictionary<string, long>(StringComparer.Ordinal);
        var commands = new Dictionary<string, bool>(StringComparer.Ordinal);
        var ports = new SortedSet<int>();
        foreach (var line in head.Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var (key, value) = (line[..eq], line[(eq + 1)..]);
            var tab = value.IndexOf('\t', StringComparison.Ordinal);
            switch (key)
            {
                case "cpu" when int.TryParse(value, CultureInfo.InvariantCulture, out var cpu):
                    facts = facts with { CpuCount = cpu };
                    break;
                case "mem_total_kb" when long.TryParse(value, CultureInfo.InvariantCulture, out var kb):
                    facts = facts with { MemoryTotalBytes = kb * 1024 };
                    break;
                case "mem_avail_kb" when long.TryParse(value, CultureInfo.InvariantCulture, out var kb):
                    facts = facts with { MemoryAvailableBytes = kb * 1024 };
                    break;
                case "hostname":
                    facts = facts with { Hostname = value.Trim() };
                    break;
                case "clock" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds):
                    facts = facts with { ClockSkew = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)) - controllerTime };
                    break;
                case "porthex" when int.TryParse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port):
                    ports.Add(port);
                    break;
                case "disk" when tab > 0:
                    disk[value[(tab + 1)..]] = long.TryParse(value[..tab], CultureInfo.InvariantCulture, out var free) && free >= 0 ? free * 1024 : -1;
                    break;
                case "cmd" when tab > 0:
                    commands[value[(tab + 1)..]] = value[..tab] == "1";
                    break;
            }
        }

        return facts with { DiskFreeBytes = disk, Commands = commands, ListeningPorts = [.. ports] };
    }
}
