using System.Globalization;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The local directories that hold ControlMaster sockets when <see cref="SshHostOptions.ControlDirectory"/> is not
/// set: <c>/tmp/dsh-PID-RANDOM</c>, named after the process that owns them. A connection removes its own when it is
/// disposed; a process that was killed (SIGKILL, a crash) cannot, so the first connection of each later process
/// removes those whose owner no longer runs, in the background (Linux: no <c>/proc/PID</c>; elsewhere nothing is removed).
/// </summary>
internal static class ControlDirectories
{
    private const string Prefix = "dsh-";
    // Off the first connection's path: listing /tmp (thousands of entries on a busy machine) takes milliseconds.
    private static readonly Lazy<Task<int>> SweptOnce = new(() => Task.Run(() => Sweep("/tmp")));

    /// <summary>A new directory path for this process (not created: the connection creates it before its master
    /// starts). The first call starts the sweep of leftovers in the background.</summary>
    public static string NewPath()
    {
        _ = SweptOnce.Value;
        return Path.Combine("/tmp", string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..10]}"));
    }

    /// <summary>Removes the control directories under <paramref name="root"/> whose owner process no longer runs; returns how many.</summary>
    internal static int Sweep(string root)
    {
        if (!Directory.Exists("/proc/self"))
        {
            return 0;
        }

        var removed = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root, Prefix + "*-*"))
            {
                var name = Path.GetFileName(dir).AsSpan(Prefix.Length);
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId || Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
                {
                    continue;
                }

                try
                {
                    // The owner is gone, and with it its master: what is left is a stale socket at most.
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or being removed by another process's sweep.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The root cannot be listed: nothing to sweep.
        }

        return removed;
    }
}
