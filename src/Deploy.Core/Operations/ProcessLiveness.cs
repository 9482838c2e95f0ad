using System.Globalization;

namespace Deploy.Core.Operations;

/// <summary>
/// The one answer to "is this local process alive": a process that exists and is not a zombie. A zombie has exited
/// (only its parent has not reaped it yet), so it counts as dead: a lock or a temp file it left is an orphan.
/// </summary>
internal static class ProcessLiveness
{
    /// <summary>Whether process <paramref name="pid"/> of this machine exists and has not exited (zombies are dead).</summary>
    /// <param name="pid">A process id; zero and negative ids are never alive.</param>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            // /proc/<pid>/stat: "pid (comm) S ...": the state letter follows the last ')' (comm may hold parentheses).
            var text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            var close = text.LastIndexOf(')');
            return close < 0 || close + 2 >= text.Length || text[close + 2] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exists (or existed a moment ago) but cannot be read: alive, to be safe.
            return !(e is IOException io && io.Message.Contains("No such process", StringComparison.Ordinal));
        }
    }
}
