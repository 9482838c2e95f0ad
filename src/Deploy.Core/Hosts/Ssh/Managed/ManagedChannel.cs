using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// One command running on an exec channel of the shared connection, as job <see cref="Job"/>
/// (<c>DEPLOY_SSH_JOB</c> is exported to it, so <c>host-kill-job.sh</c> can kill it and everything it started).
/// </summary>
internal sealed class ManagedChannel : IDisposable
{
    private ManagedChannel(string job, SshCommand command, Task execution, Stream input, byte[] marker)
    {
        Job = job;
        Command = command;
        Execution = execution;
        Input = input;

        // Whatever the login shell's rc files print comes before the markers and never reaches the command's output.
        Output = BlockingReads.Synchronous(command.OutputStream);
        Errors = BlockingReads.Synchronous(command.ExtendedOutputStream);
        Ready = Task.WhenAll(
            BlockingReads.OnOwnThread(() => SpareChannel.SkipPastAsync(Output, marker, null, CancellationToken.None)),
            BlockingReads.OnOwnThread(() => SpareChannel.SkipPastAsync(Errors, marker, null, CancellationToken.None)));
    }

    /// <summary>The job id the command runs as.</summary>
    public string Job { get; }

    /// <summary>SSH.NET's command: its output streams, exit status and signal.</summary>
    public SshCommand Command { get; }

    /// <summary>Completes when the channel closes.</summary>
    public Task Execution { get; }

    /// <summary>The command's stdout; reads block (see <see cref="BlockingReads"/>): read it on a thread of its own.</summary>
    public Stream Output { get; }

    /// <summary>The command's stderr; reads block (see <see cref="BlockingReads"/>): read it on a thread of its own.</summary>
    public Stream Errors { get; }

    /// <summary>The command's standard input; disposing it sends EOF.</summary>
    public Stream Input { get; }

    /// <summary>
    /// Completes once the command runs: the login shell's output is skipped and the output streams hold the command's
    /// own. Faults with <see cref="IOException"/> when the channel closed before (the login failed, the connection dropped).
    /// </summary>
    public Task Ready { get; }

    /// <summary>
    /// Opens a channel on <paramref name="client"/> running the shell command line <paramref name="line"/>. Without
    /// <paramref name="input"/> the command reads <c>/dev/null</c>: SSH.NET sends no EOF for an input stream that
    /// never carried a byte, so a command reading stdin would wait forever.
    /// </summary>
    public static ManagedChannel Start(SshClient client, string job, string line, bool input)
    {
        line = input ? line : "exec </dev/null; " + line;
        var marker = "DEPLOY-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        var command = client.CreateCommand($"printf '%s\\n' {marker}; printf '%s\\n' {marker} >&2; DEPLOY_SSH_JOB={job}; export DEPLOY_SSH_JOB; {line}", Encoding.UTF8);
        try
        {
            command.CommandTimeout = Timeout.InfiniteTimeSpan;
            var execution = command.ExecuteAsync(CancellationToken.None);
            return new ManagedChannel(job, command, execution, OpenInput(command), Encoding.ASCII.GetBytes(marker + "\n"));
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The channel's input stream. SSH.NET hands it out only while the channel is open: a quick command on a busy
    /// machine can have finished (and its channel closed) already, and then its input goes nowhere.
    /// </summary>
    private static Stream OpenInput(SshCommand command)
    {
        try
        {
            return command.CreateInputStream();
        }
        catch (InvalidOperationException)
        {
            return Stream.Null;
        }
    }

    /// <summary>The exit code: the status, or 128+N for signal N; <c>null</c> when the channel closed without either (transport failure).</summary>
    public int? ExitCode => Command.ExitStatus ?? (Command.ExitSignal is { } signal ? 128 + SignalNumber(signal) : null);

    /// <summary>Waits for the channel to close, at most <paramref name="limit"/>, ignoring how it ended.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        try
        {
            await Execution.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Killed, dropped or slow: the caller reports what it knows.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Input.Dispose();
        Command.Dispose();
    }

    private static int SignalNumber(string name) => name switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        _ => 15,
    };
}
