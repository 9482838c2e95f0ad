using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Deploy.Testing.Kill;

/// <summary>
/// Kills a child process for real at a chosen step boundary: starts it in its own process group (<c>setsid</c>) with
/// <see cref="StepBoundaries.Variable"/> set, reads its stdout until the marker line of that boundary, then sends
/// SIGKILL to the whole group (<c>kill(-pgid, SIGKILL)</c>: no handler, no finally block, no cleanup runs), waits
/// until no process of the group is left alive, and returns what it printed. If the marker does not come in time
/// (or the child exits first), the group is killed all the same and the call fails with the child's output.
/// </summary>
public static class KillHarness
{
    private const int SigKill = 9;

    /// <summary>How long a child may take to reach its boundary by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="command"/> until it pauses at <paramref name="boundary"/>, then SIGKILLs its group.</summary>
    public static async Task<KilledChild> KillAtBoundaryAsync(ChildCommand command, int boundary, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = command.WorkingDirectory ?? "",
        };
        psi.ArgumentList.Add(command.FileName);
        foreach (var a in command.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (name, value) in command.Environment)
        {
            psi.Environment[name] = value;
        }

        psi.Environment[StepBoundaries.Variable] = boundary.ToString(CultureInfo.InvariantCulture);

        // The child is not a group leader when it starts (it is in this process's group), so setsid does not fork:
        // the process we start becomes the leader of a new group whose id is its pid.
        using var child = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {command.FileName}.");
        child.StandardInput.Close();
        var prefix = StepBoundaries.Marker + " " + boundary.ToString(CultureInfo.InvariantCulture) + " ";
        var stdout = new StringBuilder();
        var marker = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ReadAsync(child.StandardOutput, stdout, prefix, marker);
        var stderr = child.StandardError.ReadToEndAsync(CancellationToken.None);
        var pgid = child.Id;

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        var exited = child.WaitForExitAsync(limit.Token);
        var first = await Task.WhenAny(marker.Task, exited, Task.Delay(Timeout.Infinite, limit.Token)).ConfigureAwait(false);
        var groupId = ProcStat.Read(child.Id)?.ProcessGroupId;

        KillGroup(pgid);
        await KilledAsync(child, pgid).ConfigureAwait(false);
        var output = await Drained(reading, stdout).ConfigureAwait(false);
        var error = await Drained(stderr, null).ConfigureAwait(false);

        if (first != marker.Task)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var why = first == exited && child.HasExited ? $"it exited with {child.ExitCode} first" : $"not within {(timeout ?? DefaultTimeout).TotalSeconds:0} s";
            throw new TimeoutException($"{command.FileName} never printed '{prefix.Trim()} <step>' ({why}); its group was killed.\nstdout:\n{output}\nstderr:\n{error}");
        }

        if (groupId is not null && groupId != pgid)
        {
            throw new InvalidOperationException($"{command.FileName} ran in process group {groupId}, not its own ({pgid}).");
        }

        var line = await marker.Task.ConfigureAwait(false);
        return new KilledChild(boundary, line[prefix.Length..], pgid, child.ExitCode, output, error);
    }

    /// <summary>Whether any process of group <paramref name="processGroupId"/> is still alive (zombies count as gone).</summary>
    public static bool IsGroupAlive(int processGroupId) =>
        ProcStat.All().Any(s => s.ProcessGroupId == processGroupId && !s.IsZombie);

    private static void KillGroup(int pgid)
    {
        if (Kill(-pgid, SigKill) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int NoSuchProcess = 3;
            if (errno != NoSuchProcess)
            {
                throw new InvalidOperationException($"kill(-{pgid}, SIGKILL) failed with errno {errno}.");
            }
        }
    }

    private static async Task KilledAsync(Process child, int pgid)
    {
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        while (IsGroupAlive(pgid))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"Process group {pgid} is still alive 10 s after SIGKILL.");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private static async Task ReadAsync(StreamReader reader, StringBuilder output, string prefix, TaskCompletionSource<string> marker)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (output)
            {
                output.Append(line).Append('\n');
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                marker.TrySetResult(line);
            }
        }
    }

    private static async Task<string> Drained(Task reading, StringBuilder? output)
    {
        // A grandchild that left the group (its own setsid) may still hold the pipe open: take what came.
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        if (output is null)
        {
            return reading.IsCompletedSuccessfully ? ((Task<string>)reading).Result : "";
        }

        lock (output)
        {
            return output.ToString();
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code enabled; one blittable call does not.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
