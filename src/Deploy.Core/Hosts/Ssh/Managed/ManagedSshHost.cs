using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// A host reached with SSH.NET, in process: no <c>ssh</c> binary, and logins by password, keyboard-interactive or
/// (passphrase-protected) key. One connection, opened on first use and kept alive, carries every command on a channel
/// of its own; the file operations and uploads are the OpenSSH transport's own remote scripts and tar stream, so the
/// behaviour and the <see cref="DeployErrorCode"/>s are the same. Host keys are checked against known_hosts with the
/// same <see cref="HostKeyPolicy"/>. Create with <see cref="SshHosts.Create"/> and
/// <see cref="SshHostOptions.Transport"/> = <see cref="SshTransport.Managed"/>, or directly.
/// </summary>
/// <remarks>
/// <see cref="SshHostOptions.ProxyJump"/> takes one hop (<c>[user@]host[:port]</c>), reached with the same credentials
/// and known_hosts; <see cref="SshHostOptions.ConfigFile"/>, <see cref="SshHostOptions.ExtraOptions"/>,
/// <see cref="SshHostOptions.ControlDirectory"/> and <see cref="SshHostOptions.SshExecutable"/> are OpenSSH's and
/// are ignored. Commands without standard input run in the same pooled persistent remote shells as the OpenSSH
/// transport's (<see cref="SessionPool"/>: the login shell's rc files run once per session, a command costs one remote
/// fork+exec); commands with standard input get an exec channel of their own.
/// </remarks>
public sealed class ManagedSshHost : IHost, IUploadWithAfterPlacement
{
    private readonly SshHostOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly ManagedConnection _connection;
    private readonly ManagedCommands _commands;
    private readonly SessionPool _sessions;
    private readonly RemoteFiles _files;
    private readonly ManagedUploader _uploader;
    private int _disposed;

    /// <summary>Creates a host. Nothing connects until the first operation.</summary>
    public ManagedSshHost(SshHostOptions options, ILogger<ManagedSshHost>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Address);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSessions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetryAttempts);
        if (options.ProxyJump is { } jump)
        {
            ManagedConnection.ParseJump(jump, "");
        }

        _options = options;
        var log = (ILogger?)logger ?? NullLogger.Instance;
        _retry = SshRetry.Build(options, log);
        _connection = new ManagedConnection(options, log);
        _commands = new ManagedCommands(_connection, options, log);
        _sessions = new SessionPool(_connection, options, log);
        _files = new RemoteFiles(options.DisplayName, RunAsync);
        _uploader = new ManagedUploader(_commands, _files, options, log);
    }

    /// <inheritdoc />
    public string Name => _options.DisplayName;

    /// <summary>The options this host was created with.</summary>
    public SshHostOptions Options => _options;

    /// <summary>How many SSH connections this host opened (one, unless one dropped).</summary>
    internal int Connects => _connection.Connects;

    /// <inheritdoc />
    public Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var line = CommandLine.Build(command.Argv, command.Environment, command.WorkingDirectory);
        // Standard input cannot go through a shared session: such commands get their own channel.
        Func<CancellationToken, Task<CommandResult>> run = command.StandardInput is null
            ? ct => _sessions.RunAsync(command, line, ct)
            : ct => _commands.RunAsync(command, line, ct);
        return command.Idempotent && command.StandardInput is not { CanSeek: false }
            ? SshRetry.RunAsync(_retry, run, command.StandardInput, cancellationToken)
            : run(cancellationToken);
    }

    /// <inheritdoc />
    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default) => _files.StatAsync(path, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default) => _files.ListTreeAsync(root, cancellationToken);

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return await _retry.ExecuteAsync(async ct => await OpenReadOnceAsync(path, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default)
        => _files.WriteFileAsync(path, content, options, cancellationToken);

    /// <inheritdoc />
    public Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _uploader.UploadAsync(files, null, progress, RetryAsync, cancellationToken);
    }

    /// <inheritdoc />
    public Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(placeAfter);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _uploader.UploadAsync(files, placeAfter, progress, RetryAsync, cancellationToken);
    }

    /// <inheritdoc />
    Task<TransferSummary> IUploadWithAfterPlacement.UploadThenAsync(IReadOnlyList<FileUpload> files, Task? placeAfter, AfterPlacement after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _uploader.UploadAsync(files, placeAfter, progress, static (attempt, ct) => attempt(ct), cancellationToken, after);
    }

    /// <inheritdoc />
    public Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default) => _files.CreateDirectoryAsync(path, mode, cancellationToken);

    /// <inheritdoc />
    public Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default) => _files.MoveAsync(source, destination, overwrite, cancellationToken);

    /// <inheritdoc />
    public Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default) => _files.RemoveAsync(path, recursive, cancellationToken);

    /// <inheritdoc />
    public Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default) => _files.CreateSymlinkAsync(linkPath, target, cancellationToken);

    /// <inheritdoc />
    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default) => _files.SetModeAsync(path, mode, cancellationToken);

    /// <inheritdoc />
    public Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default) => _files.SetOwnerAsync(path, owner, group, cancellationToken);

    /// <inheritdoc />
    public Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default) => _files.GetOsReleaseAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default) => _files.FindProcessesAsync(query, cancellationToken);

    /// <summary>Closes the connection (and the jump host's).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sessions.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _commands.Dispose();
    }

    private async Task<Stream> OpenReadOnceAsync(string path, CancellationToken cancellationToken)
    {
        var channel = await _commands.StartAsync(CommandLine.Join(["exec", .. RemoteScripts.OpenRead.ToCommand([path]).Argv]), "read " + path, input: false, cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.Input.DisposeAsync().ConfigureAwait(false);
            await channel.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            var first = new byte[1];
            var n = await BlockingReads.OnOwnThread(() => channel.Output.ReadAsync(first, CancellationToken.None).AsTask()).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (n == 1 && first[0] == (byte)'K')
            {
                return new ManagedReadStream(channel, Name, path);
            }

            await channel.DrainAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (IOException) when (channel.Ready.IsFaulted)
        {
            channel.Dispose();
            throw _commands.Dropped("read " + path);
        }
        catch
        {
            channel.Dispose();
            throw;
        }

        using (channel)
        {
            var exit = channel.ExitCode ?? throw _commands.Dropped("read " + path);
            if (exit == RemoteScripts.NotFound)
            {
                throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.") { Host = Name, Path = path };
            }

            throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Cannot read '{path}' on {Name} (exit {exit}).") { Host = Name, Path = path, ExitCode = exit };
        }
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        => await _retry.ExecuteAsync(async ct => await operation(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
