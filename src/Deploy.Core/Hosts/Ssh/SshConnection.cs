using System.Diagnostics;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The OpenSSH ControlMaster connection to one host: started on first use, checked and replaced when an operation
/// saw it fail, closed with <c>ssh -O exit</c>. Sessions and channels are multiplexed over its control socket.
/// </summary>
internal sealed class SshConnection : IAgentSessionSource, IAsyncDisposable
{
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _masterLock = new(1, 1);
    private readonly string _controlDirectory;
    private readonly bool _ownsControlDirectory;
    private volatile string? _controlPath;
    private volatile bool _suspect;
    private IReadOnlyList<string>? _ciphers; // known once _ciphersKnown (under the master lock)
    private bool _ciphersKnown;

    public SshConnection(SshHostOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Arguments = new SshArguments(options);
        _ownsControlDirectory = options.ControlDirectory is null;
        _controlDirectory = options.ControlDirectory ?? ControlDirectories.NewPath();
    }

    /// <summary>The host's display name.</summary>
    public string Name => _options.DisplayName;

    /// <summary>The ssh command lines for this host.</summary>
    public SshArguments Arguments { get; }

    /// <summary>Whether an operation saw the connection fail since it was last checked.</summary>
    public bool IsSuspect => _suspect;

    /// <summary>Called, under the master lock, before a replacement master starts: the old one's sessions are dead.</summary>
    public Func<ValueTask>? BeforeReconnect { get; set; }

    /// <summary>Records that an operation saw the transport fail: the next use checks the master first.</summary>
    public void MarkSuspect() => _suspect = true;

    /// <summary>Starts the master connection if it is not up (or was seen failing); returns the control socket path.</summary>
    public async Task<string> EnsureMasterAsync(CancellationToken cancellationToken)
    {
        if (_controlPath is { } ready && !_suspect)
        {
            return ready;
        }

        await _masterLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_controlPath is { } current)
            {
                if (!_suspect)
                {
                    return current;
                }

                var check = await RunLocalAsync(Arguments.Control(current, "check"), "ssh -O check", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                if (check.ExitCode == 0)
                {
                    _suspect = false;
                    return current;
                }

                // The master is gone: drop its sessions and socket, then connect anew on a fresh socket name.
                await RunLocalAsync(Arguments.Control(current, "exit"), "ssh -O exit", TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                TryDeleteFile(current);
                _controlPath = null;
            }

            if (BeforeReconnect is { } drop)
            {
                await drop().ConfigureAwait(false);
            }

            Directory.CreateDirectory(_controlDirectory);
            File.SetUnixFileMode(_controlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var path = Path.Combine(_controlDirectory, Guid.NewGuid().ToString("N")[..12]);
            var start = _options.TimeProvider.GetTimestamp();
            var limit = _options.ConnectTimeout + TimeSpan.FromSeconds(20);
            if (!_ciphersKnown)
            {
                _ciphers = await CipherOrderAsync(cancellationToken).ConfigureAwait(false);
                _ciphersKnown = true;
            }

            var result = await RunLocalAsync(Arguments.Master(path, _ciphers), "ssh -M " + Name, limit, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw SshErrors.Classify(Name, result.StandardError);
            }

            SshLog.MasterStarted(_logger, Name, _options.TimeProvider.GetElapsedTime(start).TotalMilliseconds);
            _controlPath = path;
            _suspect = false;
            return path;
        }
        finally
        {
            _masterLock.Release();
        }
    }

    /// <summary>
    /// The ciphers the master offers, in order (<see cref="SshCipherPreference"/>): ssh's own list (<c>ssh -G</c>)
    /// reordered, or <c>null</c> to leave it as configured (also when <c>ssh -G</c> fails: the master says why).
    /// </summary>
    private async Task<IReadOnlyList<string>?> CipherOrderAsync(CancellationToken cancellationToken)
    {
        if (!SshCiphers.Reorders(_options.CipherPreference))
        {
            return null;
        }

        var effective = await RunLocalAsync(Arguments.Effective(), "ssh -G", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var ordered = effective.ExitCode == 0 ? SshCiphers.AesGcmFirst(SshCiphers.FromEffectiveConfig(effective.StandardOutput)) : null;
        if (ordered is not null)
        {
            SshLog.CipherOrder(_logger, Name, string.Join(',', ordered));
        }

        return ordered;
    }

    /// <inheritdoc />
    public async Task<AgentSession> StartSessionAsync(int id, CancellationToken cancellationToken)
    {
        var controlPath = await EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        return AgentSession.Start(Arguments, controlPath, id);
    }

    /// <summary>Kills a command started with <c>DEPLOY_SSH_JOB=jobId</c> and every process that inherited it.</summary>
    public async Task KillJobAsync(string jobId)
    {
        try
        {
            var controlPath = await EnsureMasterAsync(CancellationToken.None).ConfigureAwait(false);
            var psi = Arguments.Client(controlPath, CommandLine.Join(RemoteScripts.KillJob.ToCommand([jobId]).Argv));
            await RunLocalAsync(psi, "kill job", TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(false);
        }
        catch (DeployException)
        {
            // The connection is gone: the session drain (or its disposal) takes care of the rest.
        }
    }

    /// <summary>Runs a local ssh process to completion (internal plumbing; output captured, not streamed).</summary>
    public async Task<CommandResult> RunLocalAsync(ProcessStartInfo psi, string display, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var spec = new CommandSpec([display]) { Timeout = timeout };
        var runner = new ProcessRunner(psi, spec, Name, _logger, _options.TimeProvider);
        return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the master (<c>ssh -O exit</c>) and removes the control directory this connection made.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_controlPath is not null)
        {
            await RunLocalAsync(Arguments.Control(_controlPath, "exit"), "ssh -O exit", TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
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
