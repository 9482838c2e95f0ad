using System.Diagnostics;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Commands on their own ssh channel over the master: commands with standard input, reads and bulk transfers. A
/// channel is taken from the spare one waiting when there is one (see <see cref="SpareChannel"/>), and the next
/// spare starts once the taken one has ended (not while it runs, when it would compete with it for the CPU).
/// </summary>
internal sealed class SshChannels : IDisposable
{
    private readonly SshConnection _connection;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private Process? _spare;
    private string? _spareControlPath;
    private int _disposed;

    public SshChannels(SshConnection connection, SshHostOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
    }

    private string Name => _connection.Name;

    /// <summary>Runs a command (the shell form <paramref name="line"/>) on a channel of its own, with its standard input.</summary>
    public async Task<CommandResult> RunAsync(CommandSpec command, string line, CancellationToken cancellationToken)
    {
        var controlPath = await _connection.EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        var jobId = AgentSession.NewJobId();
        // The ssh mux client hands its pipes to the master, so killing it does not end the remote command: the
        // remote job is killed as soon as the time limit passes or the caller cancels, which also closes the pipes.
        using var timeout = command.Timeout is { } t ? new CancellationTokenSource(t, _options.TimeProvider) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Task? kill = null;
        using var registration = linked.Token.Register(() =>
        {
            SshLog.KillingRemote(_logger, Name, timeout.IsCancellationRequested ? "timeout" : "cancellation", command.Display);
            kill = _connection.KillJobAsync(jobId);
        });
        var runner = new ProcessRunner(ct => TakeAsync(controlPath, jobId, line, ct), command with { Timeout = null }, Name, _logger, _options.TimeProvider);
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
            _connection.MarkSuspect();
            throw SshErrors.Classify(Name, result.StandardError, command.Display);
        }

        return result;
    }

    /// <summary>Opens a remote file for streaming (one attempt; the caller retries).</summary>
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        var job = AgentSession.NewJobId();
        var process = await StartAsync(job, CommandLine.Join(["exec", .. RemoteScripts.OpenRead.ToCommand([path]).Argv]), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdout = process.StandardOutput.BaseStream;
        try
        {
            var first = new byte[1];
            var n = await stdout.ReadAsync(first, cancellationToken).ConfigureAwait(false);
            if (n == 1 && first[0] == (byte)'K')
            {
                return new SshReadStream(process, stdout, stderrTask, Name, path);
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            process.Dispose();
            throw;
        }

        var stderr = await stderrTask.ConfigureAwait(false);
        var exit = process.ExitCode;
        process.Dispose();
        if (SshErrors.IsTransportFailure(exit, stderr))
        {
            _connection.MarkSuspect();
            throw SshErrors.Classify(Name, stderr, "read " + path);
        }

        if (exit == RemoteScripts.NotFound)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.") { Host = Name, Path = path };
        }

        throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Cannot read '{path}' on {Name} (exit {exit}): {stderr.Trim()}") { Host = Name, Path = path, ExitCode = exit };
    }

    /// <summary>
    /// Runs <paramref name="commandLine"/> on its own channel, with <c>DEPLOY_SSH_JOB</c> set and the streams
    /// redirected, on the spare channel when one is waiting; starts the next spare.
    /// </summary>
    public async Task<Process> StartAsync(string job, string commandLine, CancellationToken cancellationToken)
    {
        var controlPath = await _connection.EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await TakeAsync(controlPath, job, commandLine, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeployException(DeployErrorCode.ToolMissing, $"Could not start the ssh client '{_options.SshExecutable}': {e.Message}", e) { Host = Name };
        }
    }

    /// <summary>Kills a local ssh client process (and its children), if it still runs.</summary>
    public static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Discards the waiting spare channel.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Interlocked.Exchange(ref _spare, null) is { } spare)
        {
            SpareChannel.Discard(spare);
        }
    }

    /// <summary>The second half of <see cref="StartAsync"/>, once the master is up.</summary>
    private async Task<Process> TakeAsync(string controlPath, string job, string commandLine, CancellationToken cancellationToken)
    {
        var process = Interlocked.Exchange(ref _spare, null);
        if (process is not null && (SpareChannel.HasExited(process) || !string.Equals(_spareControlPath, controlPath, StringComparison.Ordinal)))
        {
            SpareChannel.Discard(process);
            process = null;
        }

        if (process is not null && await TryDispatchAsync(process, job, commandLine, cancellationToken).ConfigureAwait(false) is not null)
        {
            SpareChannel.Discard(process);
            process = null;
        }

        if (process is null)
        {
            process = SpareChannel.Start(_connection.Arguments, controlPath);
            if (await TryDispatchAsync(process, job, commandLine, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                process.Dispose();
                _connection.MarkSuspect();
                throw SshErrors.Classify(Name, failure.StandardError, "open a channel");
            }
        }

        // The next transfer's channel warms up once this one has ended: started now, it would compete with this
        // transfer for the CPU on both ends (a client process, a remote login shell) while bytes flow.
        _ = process.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => StartSpare(controlPath), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return process;
    }

    /// <summary>Starts a spare channel over <paramref name="controlPath"/> unless one is waiting or the host is disposed.</summary>
    private void StartSpare(string controlPath)
    {
        if (_disposed != 0 || Volatile.Read(ref _spare) is not null)
        {
            return;
        }

        Process spare;
        try
        {
            spare = SpareChannel.Start(_connection.Arguments, controlPath);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return; // the next transfer starts its own channel, and reports why it cannot
        }

        _spareControlPath = controlPath;
        if (Interlocked.CompareExchange(ref _spare, spare, null) is not null)
        {
            SpareChannel.Discard(spare); // another one got there first
        }
        else if (_disposed != 0 && Interlocked.Exchange(ref _spare, null) is { } late)
        {
            SpareChannel.Discard(late); // disposed meanwhile
        }
    }

    /// <summary>Dispatches; returns <c>null</c> once the command runs, or why the channel closed before.</summary>
    private static async Task<SpareChannel.ChannelClosedException?> TryDispatchAsync(Process channel, string job, string commandLine, CancellationToken cancellationToken)
    {
        try
        {
            await SpareChannel.DispatchAsync(channel, job, commandLine, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SpareChannel.ChannelClosedException e)
        {
            return e;
        }
        catch (OperationCanceledException)
        {
            Kill(channel);
            channel.Dispose();
            throw;
        }
    }
}
