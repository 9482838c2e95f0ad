using System.Collections.Concurrent;
using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A bounded pool of <see cref="AgentSession"/>s over the host's connection (either transport's): commands without standard input run
/// in an idle session (one remote fork+exec each); a session is started when none is idle, at most
/// <see cref="SshHostOptions.MaxSessions"/> at a time.
/// </summary>
internal sealed class SessionPool : IAsyncDisposable
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    private readonly IAgentSessionSource _connection;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<AgentSession> _idle = [];
    private int _sessionIds;
    private int _disposed;

    public SessionPool(IAgentSessionSource connection, SshHostOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxSessions, options.MaxSessions);
        connection.BeforeReconnect = DiscardIdleAsync;
    }

    private string Name => _connection.Name;

    /// <summary>Runs <paramref name="line"/> (the shell form of <paramref name="command"/>) in a pooled session;
    /// <paramref name="logOutput"/> <c>false</c> keeps its output lines out of the log (a file's content).</summary>
    public async Task<CommandResult> RunAsync(CommandSpec command, string line, CancellationToken cancellationToken, bool logOutput = true)
    {
        var display = command.Display;
        HostLog.CommandStarting(_logger, Name, display);
        var start = _options.TimeProvider.GetTimestamp();
        var session = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var keep = false;
        try
        {
            using var timeout = command.Timeout is { } t ? new CancellationTokenSource(t, _options.TimeProvider) : new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var stdout = command.CaptureOutput ? new StringBuilder() : null;
            var stderr = command.CaptureOutput ? new StringBuilder() : null;
            var jobId = AgentSession.NewJobId();
            Action<OutputLine> onLine = l =>
            {
                command.OnOutput?.Invoke(l);
                if (logOutput)
                {
                    HostLog.OutputLine(_logger, Name, l.Text);
                }
            };
            int? exit;
            try
            {
                exit = await session.RunAsync(line, jobId, onLine, stdout, stderr, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                var timedOut = timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
                SshLog.KillingRemote(_logger, Name, timedOut ? "timeout" : "cancellation", display);
                await _connection.KillJobAsync(jobId).ConfigureAwait(false);
                await session.DrainAsync(DrainLimit).ConfigureAwait(false);
                keep = session.IsUsable;
                if (timedOut)
                {
                    throw new DeployException(DeployErrorCode.Timeout, $"Command did not finish within {command.Timeout} on {Name} and was killed: {display}") { Host = Name, Command = display };
                }

                throw;
            }

            if (exit is null)
            {
                _connection.MarkSuspect();
                throw new SshTransportException(DeployErrorCode.HostUnreachable,
                    $"The SSH connection to {Name} was lost while running a command; it may or may not have completed. {Redact(Tail(stderr), command.Secrets)}".TrimEnd())
                { Host = Name, Command = display };
            }

            keep = true;
            var result = new CommandResult(display, exit.Value, stdout?.ToString() ?? "", stderr?.ToString() ?? "", _options.TimeProvider.GetElapsedTime(start)) { Host = Name };
            HostLog.CommandFinished(_logger, Name, display, result.ExitCode, result.Duration.TotalMilliseconds);
            return result;
        }
        finally
        {
            await ReleaseAsync(session, keep).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the idle sessions; busy ones are closed as they are released.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_idle.TryTake(out var session))
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _slots.Dispose();
    }

    private async ValueTask DiscardIdleAsync()
    {
        while (_idle.TryTake(out var stale))
        {
            stale.Break();
            await stale.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<AgentSession> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryTake(out var idle))
            {
                if (idle.IsUsable && !_connection.IsSuspect)
                {
                    return idle;
                }

                await idle.DisposeAsync().ConfigureAwait(false);
            }

            var session = await _connection.StartSessionAsync(Interlocked.Increment(ref _sessionIds), cancellationToken).ConfigureAwait(false);
            // A first, empty command takes whatever the login shell's rc files printed, so no command's output holds it.
            int? ready;
            try
            {
                ready = await session.RunAsync(":", AgentSession.NewJobId(), null, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                session.Break();
                await session.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            if (ready is null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                _connection.MarkSuspect();
                throw new SshTransportException(DeployErrorCode.HostUnreachable, $"A remote shell session on {Name} ended as soon as it started.") { Host = Name };
            }

            SshLog.SessionStarted(_logger, Name, session.Id);
            return session;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private async Task ReleaseAsync(AgentSession session, bool keep)
    {
        try
        {
            if (keep && session.IsUsable && _disposed == 0)
            {
                _idle.Add(session);
            }
            else
            {
                session.Break();
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (_disposed == 0)
            {
                _slots.Release();
            }
        }
    }

    private static string Tail(StringBuilder? stderr)
    {
        if (stderr is null || stderr.Length == 0)
        {
            return "";
        }

        var text = stderr.ToString().Trim();
        return text.Length > 400 ? "..." + text[^400..] : text;
    }

    private static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
