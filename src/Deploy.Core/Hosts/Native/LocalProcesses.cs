using System.Globalization;

namespace Deploy.Core.Hosts.Native;

/// <summary>
/// Whether a process of this machine is alive: the one answer the host layer uses (a zombie has exited, so it is not
/// alive). Until the operations core's helper is merged, this is the host layer's single copy.
/// </summary>
internal static class LocalProcesses
{
    /// <summary>The pid of this process.</summary>
    public static int Self { get; } = Environment.ProcessId;

    /// <summary>Whether <paramref name="pid"/> names a live (not zombie) process in this pid namespace.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (pid == Self)
        {
            return true;
        }

        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // cannot tell: assume alive, so nothing of a live process is ever removed
        }

        // "pid (comm) S ...": the state follows the last ')' (comm may hold anything, parentheses included).
        var close = stat.LastIndexOf(')');
        return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
    }
}
