using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// Commands over the managed connection, each on its own exec channel: at most
/// <see cref="SshHostOptions.MaxSessions"/> at once, output streamed through the shared <see cref="OutputPump"/>,
/// standard input fed and closed, a time limit or cancellation answered by killing the remote job.
/// </summary>
internal sealed class ManagedCommands : IDisposable
{
    private readonly ManagedConnection _connection;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;

    public ManagedCommands(ManagedConnection connection, SshHostOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxSessions, options.MaxSessions);
    }

    private string Name => _connection.Name;

    /// <summary>Runs <paramref name="command"/> (its shell form <paramref name="line"/>); one attempt, the caller retries.</summary>
    public async Task<CommandResult> RunAsync(CommandSpec command, string line, CancellationToken cancellationToken)
    {
        var display = command.Display;
        HostLog.CommandStarting(_logger, Name, display);
        var start = _options.TimeProvider.GetTimestamp();
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var head = await ReadHeadAsync(command.StandardInput, cancellationToken).ConfigureAwait(false);
            using var channel = await StartAsync(line, display, input: head.Length > 0, cancellationToken).ConfigureAwait(false);
            using var timeout = command.Timeout is { } t ? new CancellationTokenSource(t, _options.TimeProvider) : new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            var pump = new OutputPump(command, Name, _logger);
            var feed = FeedAsync(channel, head, command.StandardInput, linked.Token);
            try
            {
                await channel.Ready.WaitAsync(linked.Token).ConfigureAwait(false);
                var stdoutTask = BlockingReads.OnOwnThread(() => pump.PumpAsync(new StreamReader(channel.Output, Encoding.UTF8), OutputStream.StandardOutput, stdout));
                var stderrTask = BlockingReads.OnOwnThread(() => pump.PumpAsync(new StreamReader(channel.Errors, Encoding.UTF8), OutputStream.StandardError, stderr));
                await channel.Execution.WaitAsync(linked.Token).ConfigureAwait(false);
                await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(linked.Token).ConfigureAwait(false);
                await feed.ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (linked.IsCancellationRequested)
            {
                SshLog.KillingRemote(_logger, Name, timeout.IsCancellationRequested ? "timeout" : "cancellation", display);
                await KillJobAsync(channel).ConfigureAwait(false);
                await channel.DrainAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new DeployException(DeployErrorCode.Timeout, $"Command did not finish within {command.Timeout} on {Name} and was killed: {display}", e) { Host = Name, Command = display };
                }

                throw new OperationCanceledException("The command was cancelled and killed.", e, cancellationToken);
            }
            catch (IOException) when (channel.Ready.IsFaulted)
            {
                throw Dropped(display);
            }
            catch (Exception e) when (ManagedErrors.IsTransport(e))
            {
                _connection.MarkSuspect();
                throw ManagedErrors.Transport(Name, e, display);
            }

            var exit = channel.ExitCode ?? throw Dropped(display);
            var result = new CommandResult(display, exit, stdout.ToString(), stderr.ToString(), _options.TimeProvider.GetElapsedTime(start)) { Host = Name };
            HostLog.CommandFinished(_logger, Name, display, result.ExitCode, result.Duration.TotalMilliseconds);
            return result;
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Opens a channel running <paramref name="line"/> (not counted against the command slots); see <see cref="ManagedChannel.Start"/>.</summary>
    public Task<ManagedChannel> StartAsync(string line, string display, bool input, CancellationToken cancellationToken)
        => _connection.StartChannelAsync(line, display, input, cancellationToken);

    /// <summary>The error for a channel that closed without an exit status: the connection dropped.</summary>
    public SshTransportException Dropped(string display)
    {
        _connection.MarkSuspect();
        return new SshTransportException(DeployErrorCode.HostUnreachable, $"The SSH connection to {Name} dropped before the command finished: {display}") { Host = Name, Command = display };
    }

    /// <summary>
    /// Kills the channel's job and every process that inherited it (best effort: a dead connection killed it already).
    /// A command still in the login shell's rc files has no job yet: the kill waits until it runs.
    /// </summary>
    public async Task KillJobAsync(ManagedChannel channel)
    {
        try
        {
            await channel.Ready.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            return; // the channel closed before its command started (or never will start): nothing to kill
        }

        await _connection.KillJobAsync(channel.Job).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _slots.Dispose();

    /// <summary>The first bytes of the input (empty when there is none): whether a command gets stdin at all depends on them.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadHeadAsync(Stream? input, CancellationToken cancellationToken)
    {
        if (input is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var head = new byte[81920];
        var n = await input.ReadAsync(head, cancellationToken).ConfigureAwait(false);
        return head.AsMemory(0, n);
    }

    private static async Task FeedAsync(ManagedChannel channel, ReadOnlyMemory<byte> head, Stream? input, CancellationToken cancellationToken)
    {
        try
        {
            // Input (and its end) goes to the command once it runs, not to the login shell before it.
            await channel.Ready.ConfigureAwait(false);
            if (head.Length > 0 && input is not null)
            {
                await channel.Input.WriteAsync(head, cancellationToken).ConfigureAwait(false);
                await input.CopyToAsync(channel.Input, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException || ManagedErrors.IsTransport(e))
        {
            // The command exited without reading all of its input: its exit code tells what happened.
        }
        finally
        {
            await channel.Input.DisposeAsync().ConfigureAwait(false);
        }
    }
}
