using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// An ssh channel started ahead of need over the master: its remote <c>/bin/sh</c> has already been through the
/// login shell's rc files (a <c>pyenv init</c> in .bashrc costs 100+ ms per channel) and waits for one command,
/// which then gets the channel's stdin, stdout and stderr as if it had been started directly. Bulk transfers take
/// one, and the host starts the next once the transfer has ended.
/// </summary>
/// <remarks>
/// Protocol: the client writes <c>MARKER JOB</c> (and the command line's length in bytes when it is long), the
/// command line (any number of lines), then a line holding only <c>MARKER</c>. The shell reads those lines (its
/// <c>read</c> takes one byte at a time from a pipe, and <c>head -c</c> reads no further than the announced length,
/// so neither consumes the command's input), prints <c>MARKER</c> on stdout and on stderr, exports <c>DEPLOY_SSH_JOB=JOB</c> and
/// evaluates the command line. The client drops everything up to the markers: whatever the login shell's rc files
/// printed never reaches the command's output.
/// </remarks>
internal static class SpareChannel
{
    /// <summary>The waiting shell (POSIX sh; no external programs but <c>head</c>, for a long command line).</summary>
    public static readonly string Script = AgentSession.WithFrame("ssh-spare-channel.sh");

    /// <summary>Starts a waiting channel.</summary>
    public static Process Start(SshArguments arguments, string controlPath)
    {
        var process = new Process { StartInfo = arguments.Client(controlPath, "exec /bin/sh -c " + CommandLine.Quote(Script)) };
        process.Start();
        return process;
    }

    /// <summary>
    /// Hands <paramref name="commandLine"/> to a waiting channel, to run as job <paramref name="jobId"/>, and waits
    /// until it starts (the channel's output up to then is dropped).
    /// </summary>
    /// <exception cref="ChannelClosedException">The channel is gone; it carries what the channel printed on stderr.</exception>
    public static async Task DispatchAsync(Process channel, string jobId, string commandLine, CancellationToken cancellationToken)
    {
        string marker;
        do
        {
            marker = "DEPLOY-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        }
        while (commandLine.Contains(marker, StringComparison.Ordinal));

        var line = Encoding.ASCII.GetBytes(marker + "\n");
        var errors = new MemoryStream();
        var stdout = SkipPastAsync(channel.StandardOutput.BaseStream, line, null, cancellationToken);
        var stderr = SkipPastAsync(channel.StandardError.BaseStream, line, errors, cancellationToken);
        try
        {
            var stdin = channel.StandardInput.BaseStream;
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(marker + " " + jobId + AnnouncedLength(commandLine) + "\n" + commandLine + "\n" + marker + "\n"), cancellationToken).ConfigureAwait(false);
            await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The channel is gone: reading its stderr to the end below says why.
        }

        try
        {
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }
        catch (IOException)
        {
            await stderr.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw new ChannelClosedException(Encoding.UTF8.GetString(errors.ToArray()));
        }
    }

    /// <summary>" LENGTH" for a command line long enough that the channel reads it faster with <c>head -c</c> (the
    /// agent's threshold, <see cref="AgentSession.LengthAnnouncedFrom"/>); empty otherwise.</summary>
    private static string AnnouncedLength(string commandLine)
    {
        var bytes = Encoding.UTF8.GetByteCount(commandLine) + 1;
        return bytes >= AgentSession.LengthAnnouncedFrom ? " " + bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
    }

    /// <summary>The channel closed before its command started.</summary>
    internal sealed class ChannelClosedException(string standardError) : IOException("The ssh channel closed before its command started.")
    {
        /// <summary>What the channel printed on stderr (ssh's own error messages).</summary>
        public string StandardError { get; } = standardError;
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

    /// <summary>
    /// Reads (one byte at a time: nothing after it may be consumed) until <paramref name="pattern"/> has gone by. The
    /// managed transport drops the login shell's chatter with it too.
    /// </summary>
    internal static async Task SkipPastAsync(Stream stream, byte[] pattern, MemoryStream? seen, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var window = new byte[pattern.Length];
        var count = 0L;
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new IOException("The ssh channel closed before its command started.");
            }

            seen?.WriteByte(one[0]);
            Buffer.BlockCopy(window, 1, window, 0, window.Length - 1);
            window[^1] = one[0];
            if (++count >= window.Length && window.AsSpan().SequenceEqual(pattern))
            {
                return;
            }
        }
    }
}
