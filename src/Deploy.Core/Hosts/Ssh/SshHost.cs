using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A host reached with the system OpenSSH client. One ControlMaster connection per host carries every command and
/// transfer; commands run through a small pool of persistent remote shell sessions, so each costs about one remote
/// fork+exec instead of a new ssh client process. Commands with standard input and bulk transfers use their own
/// channel over the same master. Disposing closes the sessions and the master (<c>ssh -O exit</c>).
/// </summary>
/// <remarks>
/// The remote login shell must be POSIX (sh, bash, dash, zsh, ksh); file operations use GNU coreutils, findutils
/// (<c>find -printf</c>) and GNU tar, as found on every mainstream Linux distribution. Transient transport failures
/// are retried only for idempotent commands (<see cref="CommandSpec.Idempotent"/>) and the host's own read-only
/// operations; a command that may have had side effects is never run twice.
/// </remarks>
public sealed partial class SshHost : IHost
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SshArguments _arguments;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _masterLock = new(1, 1);
    private readonly SemaphoreSlim _sessionSlots;
    private readonly ConcurrentBag<AgentSession> _idle = [];
    private readonly string _controlDirectory;
    private readonly bool _ownsControlDirectory;
    private volatile string? _controlPath;
    private volatile bool _masterSuspect;
    private string _placer = "auto";
    private Process? _spareChannel;
    private string? _spareControlPath;
    private int _sessionIds;
    private int _disposed;

    /// <summary>Creates a host. Nothing connects until the first operation.</summary>
    public SshHost(SshHostOptions options, ILogger<SshHost>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Address);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetryAttempts);
        if (options.Address.StartsWith('-') || options.User?.StartsWith('-') == true)
        {
            throw new ArgumentException("The address and user cannot start with '-'.", nameof(options));
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _arguments = new SshArguments(options);
        _sessionSlots = new SemaphoreSlim(options.MaxSessions, options.MaxSessions);
        _ownsControlDirectory = options.ControlDirectory is null;
        _controlDirectory = options.ControlDirectory ?? Path.Combine("/tmp", "dsh-" + Guid.NewGuid().ToString("N")[..10]);
        _retry = BuildRetry();
    }

    /// <inheritdoc />
    public string Name => _options.DisplayName;

    /// <summary>The options this host was created with.</summary>
    public SshHostOptions Options => _options;

    /// <inheritdoc />
    public Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var line = CommandLine.Build(command.Argv, command.Environment, command.WorkingDirectory);

        // Standard input cannot go through a shared session: such commands get their own channel.
        Func<CancellationToken, Task<CommandResult>> run = command.StandardInput is null
            ? ct => RunInSessionAsync(command, line, ct)
            : ct => RunDirectAsync(command, line, ct);
        return command.Idempotent && command.StandardInput is not { CanSeek: false }
            ? WithRetryAsync(run, command.StandardInput, cancellationToken)
            : run(cancellationToken);
    }

    /// <summary>Closes the sessions and the master connection.</summary>
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

        if (Interlocked.Exchange(ref _spareChannel, null) is { } spare)
        {
            SpareChannel.Discard(spare);
        }

        if (_controlPath is not null)
        {
            await RunLocalAsync(_arguments.Control(_controlPath, "exit"), "ssh -O exit", TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            SshLog.MasterClosed(_logger, Name);
            TryDeleteFile(_controlPath);
        }

        if (_ownsControlDirectory)
        {
            try
            {
                Directory.Delete(_controlDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A socket still held by an exiting master; the directory name is unique.
            }
        }

        _masterLock.Dispose();
        _sessionSlots.Dispose();
    }

    private async Task<CommandResult> RunInSessionAsync(CommandSpec command, string line, CancellationToken cancellationToken)
    {
        var display = command.Display;
        HostLog.CommandStarting(_logger, Name, display);
        var start = _options.TimeProvider.GetTimestamp();
        var session = await AcquireSessionAsync(cancellationToken).ConfigureAwait(false);
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
                HostLog.OutputLine(_logger, Name, l.Text);
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
                await KillJobAsync(jobId).ConfigureAwait(false);
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
                _masterSuspect = true;
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
            await ReleaseSessionAsync(session, keep).ConfigureAwait(false);
        }
    }

    private async Task<CommandResult> RunDirectAsync(CommandSpec command, string line, CancellationToken cancellationToken)
    {
        var controlPath = await EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        var jobId = AgentSession.NewJobId();
        // The ssh mux client hands its pipes to the master, so killing it does not end the remote command: the
        // remote job is killed as soon as the time limit passes or the caller cancels, which also closes the pipes.
        using var timeout = command.Timeout is { } t ? new CancellationTokenSource(t, _options.TimeProvider) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Task? kill = null;
        using var registration = linked.Token.Register(() =>
        {
            SshLog.KillingRemote(_logger, Name, timeout.IsCancellationRequested ? "timeout" : "cancellation", command.Display);
            kill = KillJobAsync(jobId);
        });
        var runner = new ProcessRunner(ct => TakeChannelAsync(controlPath, jobId, line, ct), command with { Timeout = null }, Name, _logger, _options.TimeProvider);
        CommandResult result;
        try
        {
            result = await runner.RunAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (linked.IsCancellationRequested && e is OperationCanceledException or TimeoutException)
        {
            if (kill is not null)
            {
                await kill.ConfigureAwait(false);
            }

            if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new DeployException(DeployErrorCode.Timeout, $"Command did not finish within {command.Timeout} on {Name} and was killed: {command.Display}", e) { Host = Name, Command = command.Display };
            }

            throw new OperationCanceledException("The command was cancelled and killed.", e, cancellationToken);
        }

        if (SshErrors.IsTransportFailure(result.ExitCode, result.StandardError))
        {
            _masterSuspect = true;
            throw SshErrors.Classify(Name, result.StandardError, command.Display);
        }

        return result;
    }

    private async Task<CommandResult> WithRetryAsync(Func<CancellationToken, Task<CommandResult>> run, Stream? input, CancellationToken cancellationToken)
    {
        var position = input?.Position ?? 0;
        return await _retry.ExecuteAsync(
            async ct =>
            {
                if (input is not null)
                {
                    input.Position = position;
                }

                return await run(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an internal, read-only or idempotent operation with retries.</summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        => await _retry.ExecuteAsync(async ct => await operation(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private ResiliencePipeline BuildRetry()
    {
        if (_options.RetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = _options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SshTransportException>(),
                MaxRetryAttempts = _options.RetryAttempts,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    SshLog.Retrying(_logger, Name, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }

    private async Task<AgentSession> AcquireSessionAsync(CancellationToken cancellationToken)
    {
        await _sessionSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryTake(out var idle))
            {
                if (idle.IsUsable && !_masterSuspect)
                {
                    return idle;
                }

                await idle.DisposeAsync().ConfigureAwait(false);
            }

            var controlPath = await EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
            var session = AgentSession.Start(_arguments, controlPath, Interlocked.Increment(ref _sessionIds));
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
                _masterSuspect = true;
                throw new SshTransportException(DeployErrorCode.HostUnreachable, $"A remote shell session on {Name} ended as soon as it started.") { Host = Name };
            }

            SshLog.SessionStarted(_logger, Name, session.Id);
            return session;
        }
        catch
        {
            _sessionSlots.Release();
            throw;
        }
    }

    private async Task ReleaseSessionAsync(AgentSession session, bool keep)
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
                _sessionSlots.Release();
            }
        }
    }

    /// <summary>Starts the master connection if it is not up (or was seen failing); returns the control socket path.</summary>
    private async Task<string> EnsureMasterAsync(CancellationToken cancellationToken)
    {
        if (_controlPath is { } ready && !_masterSuspect)
        {
            return ready;
        }

        await _masterLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_controlPath is { } current)
            {
                if (!_masterSuspect)
                {
                    return current;
                }

                var check = await RunLocalAsync(_arguments.Control(current, "check"), "ssh -O check", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                if (check.ExitCode == 0)
                {
                    _masterSuspect = false;
                    return current;
                }

                // The master is gone: drop its sessions and socket, then connect anew on a fresh socket name.
                await RunLocalAsync(_arguments.Control(current, "exit"), "ssh -O exit", TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                TryDeleteFile(current);
                _controlPath = null;
            }

            while (_idle.TryTake(out var stale))
            {
                stale.Break();
                await stale.DisposeAsync().ConfigureAwait(false);
            }

            Directory.CreateDirectory(_controlDirectory);
            File.SetUnixFileMode(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var path = Path.Combine(_controlDirectory, Guid.NewGuid().ToString("N")[..12]);
            var start = _options.TimeProvider.GetTimestamp();
            var limit = _options.ConnectTimeout + TimeSpan.FromSeconds(20);
            var result = await RunLocalAsync(_arguments.Master(path), "ssh -M " + Name, limit, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw SshErrors.Classify(Name, result.StandardError);
            }

            SshLog.MasterStarted(_logger, Name, _options.TimeProvider.GetElapsedTime(start).TotalMilliseconds);
            _controlPath = path;
            _masterSuspect = false;
            return path;
        }
        finally
        {
            _masterLock.Release();
        }
    }

    /// <summary>Kills a command started with <c>DEPLOY_SSH_JOB=jobId</c> and every process that inherited it.</summary>
    private async Task KillJobAsync(string jobId)
    {
        try
        {
            var controlPath = await EnsureMasterAsync(CancellationToken.None).ConfigureAwait(false);
            var psi = _arguments.Client(controlPath, CommandLine.Join(["/bin/sh", "-c", RemoteScripts.KillJob, "sh", jobId]));
            await RunLocalAsync(psi, "kill job", TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DeployException)
        {
            // The connection is gone: the session drain (or its disposal) takes care of the rest.
        }
    }

    /// <summary>Runs a local ssh process to completion (internal plumbing; output captured, not streamed).</summary>
    private async Task<CommandResult> RunLocalAsync(ProcessStartInfo psi, string display, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var spec = new CommandSpec([display]) { Timeout = timeout };
        var runner = new ProcessRunner(psi, spec, Name, _logger, _options.TimeProvider);
        return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
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

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
