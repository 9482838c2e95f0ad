using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// An ssh channel started ahead of need over the master: its remote <c>/bin/sh</c> has already been through the
/// login shell's rc files (a <c>pyenv init</c> in .bashrc costs 100+ ms per channel) and waits for one command,
/// which then gets the channel's stdin, stdout and stderr as if it had been started directly. Bulk transfers take
/// one, and the host starts the next while the transfer runs.
/// </summary>
/// <remarks>
/// Protocol: the client writes <c>MARKER JOB</c>, the command line (any number of lines), then a line holding
/// only <c>MARKER</c>. The shell reads those lines (its <c>read</c> takes one byte at a time from a pipe, so it never
/// consumes the command's input), exports <c>DEPLOY_SSH_JOB=JOB</c> and evaluates the command line.
/// </remarks>
internal static class SpareChannel
{
    /// <summary>The waiting shell (POSIX sh; no external programs).</summary>
    public const string Script =
        "read -r n j || exit 0; c=; while IFS= read -r l || exit 0; do [ \"$l\" = \"$n\" ] && break; c=\"$c$l\n\"; done; "
        + "DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval \"$c\"";

    /// <summary>Starts a waiting channel.</summary>
    public static Process Start(SshArguments arguments, string controlPath)
    {
        var process = new Process { StartInfo = arguments.Client(controlPath, "exec /bin/sh -c " + CommandLine.Quote(Script)) };
        process.Start();
        return process;
    }

    /// <summary>Hands <paramref name="commandLine"/> to a waiting channel, to run as job <paramref name="jobId"/>.</summary>
    /// <exception cref="IOException">The channel is gone.</exception>
    public static void Dispatch(Process channel, string jobId, string commandLine)
    {
        string marker;
        do
        {
            marker = "DEPLOY-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        }
        while (commandLine.Contains(marker, StringComparison.Ordinal));

        var stdin = channel.StandardInput.BaseStream;
        stdin.Write(Encoding.UTF8.GetBytes(marker + " " + jobId + "\n" + commandLine + "\n" + marker + "\n"));
        stdin.Flush();
    }

    /// <summary>Ends a channel that was never used (its shell reads end-of-input and exits).</summary>
    public static void Discard(Process channel)
    {
        try
        {
            channel.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        try
        {
            if (!channel.WaitForExit(2000))
            {
                channel.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        channel.Dispose();
    }

    /// <summary>Whether the channel's ssh client has exited.</summary>
    public static bool HasExited(Process channel)
    {
        try
        {
            return channel.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
