using System.Diagnostics;
using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts;

/// <summary>
/// Runs one local process for a <see cref="CommandSpec"/>: feeds stdin, streams stdout/stderr line by line to the
/// callback and the logger while capturing them, enforces the timeout and cancellation by killing the process tree.
/// Shared by <see cref="LocalHost"/> and transports that drive a local client program (ssh, docker).
/// </summary>
internal sealed class ProcessRunner
{
    private readonly Func<CancellationToken, Task<Process>> _start;
    private readonly CommandSpec _command;
    private readonly string _hostName;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ProcessRunner(ProcessStartInfo psi, CommandSpec command, string hostName, ILogger logger, TimeProvider time)
        : this(_ => Task.FromResult(Start(psi)), command, hostName, logger, time)
    {
    }

    /// <summary>A runner for a process that <paramref name="start"/> starts (or takes ready-made), with its streams redirected.</summary>
    public ProcessRunner(Func<CancellationToken, Task<Process>> start, CommandSpec command, string hostName, ILogger logger, TimeProvider time)
    {
        _start = start;
        _command = command;
        _hostName = hostName;
        _logger = logger;
        _time = time;
    }

    public async Task<CommandResult> RunAsync(CancellationToken cancellationToken)
    {
        var display = _command.Display;
        HostLog.CommandStarting(_logger, _hostName, display);
        var start = _time.GetTimestamp();
        Process started;
        try
        {
            started = await _start(cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeployException(DeployErrorCode.ToolMissing, $"Could not start '{_command.Argv[0]}' on {_hostName}: {e.Message}", e)
            {
                Host = _hostName,
                Command = display,
            };
        }

        using var process = started;
        using var timeoutCts = _command.Timeout is { } t ? new CancellationTokenSource(t, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var pump = new OutputPump(_command, _hostName, _logger);
        var stdoutTask = pump.PumpAsync(process.StandardOutput, OutputStream.StandardOutput, stdout);
        var stderrTask = pump.PumpAsync(process.StandardError, OutputStream.StandardError, stderr);
        var stdinTask = FeedAsync(process, linked.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            await Task.WhenAll(stdoutTask, stderrTask).ConfigureAwait(false);
            await stdinTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            Kill(process);
            await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            if (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new DeployException(DeployErrorCode.Timeout, $"Command did not finish within {_command.Timeout}: {display}") { Host = _hostName, Command = display };
            }

            throw;
        }

        var result = new CommandResult(display, process.ExitCode, stdout.ToString(), stderr.ToString(), _time.GetElapsedTime(start)) { Host = _hostName };
        HostLog.CommandFinished(_logger, _hostName, display, result.ExitCode, result.Duration.TotalMilliseconds);
        return result;
    }

    private static Process Start(ProcessStartInfo psi)
    {
        var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private async Task FeedAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            if (_command.StandardInput is { } input)
            {
                await input.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process exited without reading all of its input: its exit code tells what happened.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
