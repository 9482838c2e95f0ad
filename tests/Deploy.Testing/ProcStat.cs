using System.Globalization;

namespace Deploy.Testing;

/// <summary>
/// One line of <c>/proc/PID/stat</c> as the fixtures need it: who a process's parent and process group are, and
/// whether it is only a zombie (dead, waiting to be reaped).
/// </summary>
/// <param name="Pid">The process id (in this process's PID namespace).</param>
/// <param name="State">The state letter (<c>R</c>, <c>S</c>, <c>Z</c>...).</param>
/// <param name="ParentId">The parent's process id.</param>
/// <param name="ProcessGroupId">The process group id.</param>
public readonly record struct ProcStat(int Pid, char State, int ParentId, int ProcessGroupId)
{
    /// <summary>Whether the process has exited and only its exit status is left.</summary>
    public bool IsZombie => State is 'Z' or 'X';

    /// <summary>Reads one process; <c>null</c> when it does not exist (any more).</summary>
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(pid, File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Every process visible in <c>/proc</c> right now.</summary>
    public static IReadOnlyList<ProcStat> All()
    {
        var result = new List<ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                result.Add(stat);
            }
        }

        return result;
    }

    /// <summary>
    /// The namespace a process is in (<c>readlink /proc/PID/ns/KIND</c>, e.g. <c>pid:[4026532301]</c>); <c>null</c>
    /// when the process is gone.
    /// </summary>
    public static string? Namespace(int pid, string kind)
    {
        try
        {
            return new FileInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/{kind}").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The live (non-zombie) processes in the namespace <paramref name="id"/> of kind <paramref name="kind"/>.</summary>
    public static IReadOnlyList<int> InNamespace(string kind, string id) =>
        All().Where(s => !s.IsZombie && string.Equals(Namespace(s.Pid, kind), id, StringComparison.Ordinal)).Select(s => s.Pid).ToList();

    private static ProcStat Parse(int pid, string stat)
    {
        // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return new ProcStat(pid, fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }
}
