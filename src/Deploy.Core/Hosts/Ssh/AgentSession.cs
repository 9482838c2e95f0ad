using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// One long-lived remote <c>/bin/sh</c> running a tiny agent loop, on a channel of the host's one connection (an
/// <see cref="IAgentTransport"/>: an ssh client on the OpenSSH master, or an SSH.NET exec channel). A command costs one
/// remote fork+exec instead of a new channel, and a login shell's rc files run once per session.
/// </summary>
/// <remarks>
/// Protocol, one command at a time: the client writes <c>MARKER JOB</c> (followed by the command line's length in
/// bytes when it is long, see <see cref="LengthAnnouncedFrom"/>), the command line (any number of lines), then a
/// line holding only <c>MARKER</c>. The agent runs the command line in a subshell with stdin from
/// <c>/dev/null</c> and <c>DEPLOY_SSH_JOB=JOB</c> exported (so a kill can find it and all its descendants), then
/// prints <c>MARKER exitcode</c> on stdout and <c>MARKER</c> on stderr: when both arrive, both streams are complete.
/// MARKER is random per command and never shown to the command; JOB is a different random value.
/// </remarks>
internal sealed class AgentSession : IAsyncDisposable
{
    /// <summary>
    /// From this many bytes a command line's length is announced, and the agent reads it with <c>head -c</c> (one
    /// process start) rather than with the shell's <c>read</c>, which costs one system call per byte on a pipe: about
    /// 20 ms for the 12 KB of a large upload's directory check on a virtual machine.
    /// </summary>
    internal const int LengthAnnouncedFrom = 4096;

    /// <summary>The agent loop (POSIX sh; no external programs but <c>head</c>, for long command lines).</summary>
    public static readonly string Script = WithFrame("ssh-agent-loop.sh");

    /// <summary>
    /// The host script <paramref name="resource"/> behind <c>ssh-frame.sh</c>, the one reader of a command frame that
    /// the agent loop and the spare channels share.
    /// </summary>
    internal static string WithFrame(string resource)
    {
        var frame = HostScript.FromResource(typeof(AgentSession).Assembly, "ssh-frame.sh").Text;
        return frame.TrimEnd('\n') + "\n" + HostScript.FromResource(typeof(AgentSession).Assembly, resource).Text;
    }

    private readonly IAgentTransport _transport;
    private readonly Stream _stdin;
    private readonly FrameReader _stdout;
    private readonly FrameReader _stderr;
    private bool _broken;

    public AgentSession(IAgentTransport transport, int id)
    {
        _transport = transport;
        Id = id;
        _stdin = transport.Input;
        _stdout = new FrameReader(transport.Output);
        _stderr = new FrameReader(transport.Errors);
    }

    public int Id { get; }

    public bool IsUsable => !_broken && !_transport.HasExited;

    public static AgentSession Start(SshArguments arguments, string controlPath, int id)
    {
        var psi = arguments.Client(controlPath, "exec /bin/sh -c " + CommandLine.Quote(Script));
        var process = new Process { StartInfo = psi };
        process.Start();
        return new AgentSession(new ProcessAgentTransport(process), id);
    }

    /// <summary>A new random job id for <see cref="RunAsync"/>.</summary>
    public static string NewJobId() => "j" + RandomNumberGenerator.GetHexString(24, lowercase: true);

    /// <summary>
    /// Sends a command line and reads its output until both streams are complete. Returns the exit code, or
    /// <c>null</c> when the session died (transport failure). Waiting ends early only when
    /// <paramref name="cancellationToken"/> fires; the caller must then kill the job and call
    /// <see cref="DrainAsync"/> before reusing the session.
    /// </summary>
    public async Task<int?> RunAsync(string commandLine, string jobId, Action<OutputLine>? onLine, StringBuilder? stdout, StringBuilder? stderr, CancellationToken cancellationToken)
    {
        var marker = NewMarker(commandLine);
        var bytes = Encoding.UTF8.GetByteCount(commandLine) + 1;
        var length = bytes >= LengthAnnouncedFrom ? " " + bytes.ToString(CultureInfo.InvariantCulture) : "";
        var request = marker + " " + jobId + length + "\n" + commandLine + "\n" + marker + "\n";
        var gate = new object();
        Action<string>? outLine = onLine is null ? null : l => { lock (gate) { onLine(new OutputLine(OutputStream.StandardOutput, l)); } };
        Action<string>? errLine = onLine is null ? null : l => { lock (gate) { onLine(new OutputLine(OutputStream.StandardError, l)); } };
        try
        {
            await _stdin.WriteAsync(Encoding.UTF8.GetBytes(request), CancellationToken.None).ConfigureAwait(false);
            await _stdin.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            _broken = true;
            return null;
        }

        var markerBytes = Encoding.ASCII.GetBytes(marker);
        var outTask = _stdout.ReadFrameAsync(markerBytes, outLine, stdout);
        var errTask = _stderr.ReadFrameAsync(markerBytes, errLine, stderr);
        _pending = Task.WhenAll(outTask, errTask);
        await _pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        _pending = null;
        var code = await outTask.ConfigureAwait(false);
        if (code is null || await errTask.ConfigureAwait(false) is null || !int.TryParse(code, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exit))
        {
            _broken = true;
            return null;
        }

        return exit;
    }

    private Task? _pending;

    /// <summary>After a cancelled <see cref="RunAsync"/>: waits for the (killed) command's frame so the session can be reused.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        if (_pending is null)
        {
            return;
        }

        try
        {
            await _pending.WaitAsync(limit).ConfigureAwait(false);
            _pending = null;
        }
        catch (TimeoutException)
        {
            _broken = true;
        }
    }

    /// <summary>Marks the session unusable (it will be disposed instead of returned to the pool).</summary>
    public void Break() => _broken = true;

    public ValueTask DisposeAsync() => _transport.DisposeAsync();

    private static string NewMarker(string commandLine)
    {
        while (true)
        {
            var marker = "DEPLOY-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
            if (!commandLine.Contains(marker, StringComparison.Ordinal))
            {
                return marker;
            }
        }
    }
}
