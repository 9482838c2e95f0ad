using System.Globalization;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>The analyzers: pure functions from facts and requirements to pass / warn / fail outcomes.</summary>
public static class PrecheckAnalyzer
{
    /// <summary>Sums what the services <paramref name="schedule"/> places on <paramref name="host"/> need.</summary>
    public static HostRequirements Requirements(ProductDefinition product, Schedule schedule, string host)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(schedule);
        var services = schedule.ServicesOn(host).Select(product.GetService).ToList();
        var disk = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var ports = new SortedDictionary<int, List<string>>();
        var commands = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var s in services)
        {
            foreach (var d in s.Needs.Disk)
            {
                disk[d.Path] = disk.GetValueOrDefault(d.Path) + d.Bytes;
            }

            foreach (var p in s.Needs.Ports)
            {
                (ports.TryGetValue(p, out var l) ? l : ports[p] = []).Add(s.Name);
            }

            foreach (var c in s.Needs.Commands)
            {
                (commands.TryGetValue(c, out var l) ? l : commands[c] = []).Add(s.Name);
            }
        }

        return new HostRequirements(host, services.Select(s => s.Name).ToList())
        {
            Cpu = services.Sum(s => s.Needs.Cpu),
            MemoryBytes = services.Sum(s => s.Needs.MemoryBytes),
            Disk = disk,
            Ports = ports.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value),
            Commands = commands.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value, StringComparer.Ordinal),
            OsRelease = product.OsRelease,
        };
    }

    /// <summary>Runs every check that is not <see cref="CheckSeverity.Off"/>, in <see cref="CheckNames.All"/> order.
    /// An unreachable host gets only the reachable outcome.</summary>
    public static IReadOnlyList<CheckOutcome> Analyze(HostFacts facts, HostRequirements needs, PrecheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(needs);
        options ??= new PrecheckOptions();
        var outcomes = new List<CheckOutcome>();
        void Add(string check, bool ok, string message)
        {
            var severity = options.SeverityOf(check);
            if (severity != CheckSeverity.Off)
            {
                outcomes.Add(new CheckOutcome(facts.Host, check, ok ? CheckStatus.Pass : severity == CheckSeverity.Strict ? CheckStatus.Fail : CheckStatus.Warn, message));
            }
        }

        if (!facts.Reachable)
        {
            Add(CheckNames.Reachable, false, $"the host did not answer: {facts.Error}");
            return outcomes;
        }

        Add(CheckNames.Reachable, true, "the host answered.");
        var os = facts.OsRelease;
        var osOk = os is not null && (options.OsReleaseMatcher?.Invoke(os) ?? (needs.OsRelease.Count == 0 || needs.OsRelease.Any(id => string.Equals(id, os.Id, StringComparison.OrdinalIgnoreCase))));
        Add(CheckNames.OsRelease, osOk, os is null
            ? "the host has no /etc/os-release."
            : osOk ? $"'{os.Id}' ({os.PrettyName}) is supported." : $"the product supports {(needs.OsRelease.Count == 0 ? "other systems" : string.Join(",", needs.OsRelease))} but the host is '{os.Id}' ({os.PrettyName}).");
        Add(CheckNames.Cpu, facts.CpuCount >= needs.Cpu, $"needs {Num(needs.Cpu)} CPU(s) for {Services(needs.Services)}, has {facts.CpuCount}.");
        // Pass messages hold no measured amounts (free memory and disk, the clock move between runs): check_result.yaml
        // stays byte-identical for the same hosts and package. A warning or failure states what was found.
        var memOk = facts.MemoryAvailableBytes >= needs.MemoryBytes;
        Add(CheckNames.Memory, memOk, memOk
            ? $"needs {Size(needs.MemoryBytes)} of memory; enough is available."
            : $"needs {Size(needs.MemoryBytes)} of memory, {Size(facts.MemoryAvailableBytes)} available of {Size(facts.MemoryTotalBytes)}.");
        var diskShort = needs.Disk.Where(d => facts.DiskFreeBytes.GetValueOrDefault(d.Key, -1) < d.Value).ToList();
        Add(CheckNames.Disk, diskShort.Count == 0, needs.Disk.Count == 0
            ? "no disk space needed."
            : diskShort.Count == 0
                ? string.Join("; ", needs.Disk.Select(d => $"{d.Key} needs {Size(d.Value)}")) + "; enough is free."
                : string.Join("; ", needs.Disk.Select(d => $"{d.Key} needs {Size(d.Value)}, {(facts.DiskFreeBytes.TryGetValue(d.Key, out var f) && f >= 0 ? Size(f) : "unknown")} free")) + ".");
        var shared = needs.Ports.Where(p => p.Value.Count > 1).Select(p => $"port {p.Key} is needed by {string.Join(" and ", p.Value)}").ToList();
        var busy = needs.Ports.Keys.Where(facts.ListeningPorts.Contains).Select(p => $"port {p} (for {string.Join(", ", needs.Ports[p])}) is already in use").ToList();
        Add(CheckNames.Ports, shared.Count == 0 && busy.Count == 0, shared.Count + busy.Count == 0
            ? (needs.Ports.Count == 0 ? "no ports needed." : $"ports {string.Join(", ", needs.Ports.Keys)} are free.")
            : string.Join("; ", shared.Concat(busy)) + ".");
        var skew = facts.ClockSkew;
        var clockOk = skew is { } s && s.Duration() <= options.MaxClockSkew;
        Add(CheckNames.ClockSkew, clockOk, skew is null
            ? "the host's clock could not be read."
            : clockOk ? $"the host's clock is within {Num(options.MaxClockSkew.TotalSeconds)}s of the controller's."
            : $"the host's clock is {Num(Math.Round(skew.Value.TotalSeconds, 1))}s from the controller's (at most {Num(options.MaxClockSkew.TotalSeconds)}s allowed).");
        var missing = needs.Commands.Where(c => !facts.Commands.GetValueOrDefault(c.Key)).Select(c => $"{c.Key} (for {string.Join(", ", c.Value)})").ToList();
        Add(CheckNames.Commands, missing.Count == 0, missing.Count == 0
            ? (needs.Commands.Count == 0 ? "no commands needed." : $"{string.Join(", ", needs.Commands.Keys)} found.")
            : "missing on PATH: " + string.Join(", ", missing) + ".");
        return outcomes;
    }

    private static string Services(IReadOnlyList<string> services) => services.Count == 0 ? "no services" : string.Join(", ", services);

    private static string Num(double d) => d.ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => Num(bytes / (double)(1L << 30)) + "Gi",
        >= 1L << 20 => Num(bytes / (double)(1L << 20)) + "Mi",
        >= 1L << 10 => Num(bytes / (double)(1L << 10)) + "Ki",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + "B",
    };
}
