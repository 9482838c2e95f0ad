using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A host reached with the system OpenSSH client. One ControlMaster connection per host carries every command and
/// transfer; commands run through a small pool of persistent remote shell sessions, so each costs about one remote
/// fork+exec instead of a new ssh client process. Small files go through the sessions too (reads up to 64 KiB,
/// base64-encoded; a text standard input up to 16 KiB in-band); other commands with standard input, larger reads and
/// bulk transfers use their own channel over the same master. Disposing closes the sessions and the master
/// (<c>ssh -O exit</c>).
/// </summary>
/// <remarks>
/// The remote login shell must be POSIX (sh, bash, dash, zsh, ksh); file operations use GNU coreutils, findutils
/// (<c>find -printf</c>) and GNU tar, as found on every mainstream Linux distribution. Transient transport failures
/// are retried only for idempotent commands (<see cref="CommandSpec.Idempotent"/>) and the host's own read-only
/// operations; a command that may have had side effects is never run twice.
/// </remarks>
public sealed class SshHost : IHost, IUploadWithAfterPlacement
{
    // The parts: the master connection, the session pool and the channels are OpenSSH's; the file operations
    // (RemoteFiles, RemoteScripts) and the upload stream (UploadStream, UploadLayout) need only a way to run a command.
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly SshConnection _connection;
    private readonly SessionPool _sessions;
    private readonly SshChannels _channels;
    private readonly RemoteFiles _files;
    private readonly SshUploader _uploader;
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
        _retry = SshRetry.Build(options, _logger);
        _connection = new SshConnection(options, _logger);
        _sessions = new SessionPool(_connection, options, _logger);
        _channels = new SshChannels(_connection, options, _logger);
        _files = new RemoteFiles(options.DisplayName, RunAsync);
        _uploader = new SshUploader(_connection, _channels, _files, options, _logger);
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

        // A small text standard input rides in-band on a pooled session (see InBandInput); any other standard input
        // cannot go through a shared session: such commands get their own channel.
        if (InBandInput(command.StandardInput) is { } text)
        {
            line = "printf '%s' " + CommandLine.Quote(text) + " | { " + line + "; }";
            command = command with { StandardInput = null };
        }

        Func<CancellationToken, Task<CommandResult>> run = command.StandardInput is null
            ? ct => _sessions.RunAsync(command, line, ct)
            : ct => _channels.RunAsync(command, line, ct);
        return command.Idempotent && command.StandardInput is not { CanSeek: false }
            ? SshRetry.RunAsync(_retry, run, command.StandardInput, cancellationToken)
            : run(cancellationToken);
    }

    /// <summary>Standard input up to this size may ride in-band (see <see cref="InBandInput"/>).</summary>
    private const int InBandInputLimit = 16 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A small standard input (state, journals, configs written by <see cref="WriteFileAsync"/>) as text to send
    /// in-band, or <c>null</c> when it must have a channel of its own (a new ssh client, sshd session and login shell
    /// each). In-band, the session's shell feeds it with the builtin <c>printf</c> through a pipe: the bytes are in no
    /// process's argv or environment on the host, and never logged (the logged command line is the argv's). Only a
    /// seekable stream of at most 16 KiB of UTF-8 text without NUL qualifies; the stream is read to its end.
    /// </summary>
    private static string? InBandInput(Stream? input)
    {
        if (input is not { CanSeek: true })
        {
            return null;
        }

        var length = input.Length - input.Position;
        if (length is > InBandInputLimit or < 0)
        {
            return null;
        }

        var start = input.Position;
        var bytes = new byte[length];
        input.ReadExactly(bytes);
        if (bytes.AsSpan().IndexOf((byte)0) < 0)
        {
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
            }
        }

        input.Position = start;
        return null;
    }

    /// <inheritdoc />
    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default) => _files.StatAsync(path, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default) => _files.ListTreeAsync(root, cancellationToken);

    /// <summary>Files up to this size are read through a pooled session (see <see cref="OpenReadAsync"/>).</summary>
    private const int SmallReadLimit = 64 * 1024;

    /// <inheritdoc />
    /// <remarks>A file of up to 64 KiB (state, journals, configs) is read in one pooled-session command, base64-encoded:
    /// no channel of its own (a new ssh client, sshd session and login shell), and an absent file costs one cheap
    /// round trip. A larger file, or one that cannot be read that way, is streamed over its own channel.</remarks>
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // The file's bytes come back as output, which is not logged (they may be a config with a password).
        var read = RemoteScripts.ReadSmall.ToCommand([path, SmallReadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)]) with { Idempotent = true };
        var small = await SshRetry.RunAsync(_retry, ct => _sessions.RunAsync(read, CommandLine.Build(read.Argv, read.Environment, read.WorkingDirectory), ct, logOutput: false), null, cancellationToken).ConfigureAwait(false);
        if (small.ExitCode == RemoteScripts.NotFound)
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.") { Host = Name, Path = path };
        }

        if (small.ExitCode == 0 && small.StandardError.Length == 0)
        {
            var bytes = new byte[(small.StandardOutput.Length / 4 * 3) + 3];
            if (Convert.TryFromBase64String(small.StandardOutput.Trim(), bytes, out var length) && length <= SmallReadLimit)
            {
                return new MemoryStream(bytes, 0, length, writable: false);
            }
        }

        return await RetryAsync(ct => _channels.OpenReadAsync(path, ct), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Closes the sessions and the master connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sessions.DisposeAsync().ConfigureAwait(false);
        _channels.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Tests: <c>sh</c> places files with mv even where perl exists; <c>auto</c> (the default) prefers perl.</summary>
    internal void ForcePlacer(string placer) => _uploader.Placer = placer;

    /// <summary>Tests: false lays every upload out on the destination check (see <see cref="SshUploader.Guess"/>).</summary>
    internal bool GuessLayout
    {
        get => _uploader.Guess;
        set => _uploader.Guess = value;
    }

    /// <summary>Tests: treats every destination directory as missing (as if it vanished after the check), to exercise merging.</summary>
    internal bool AssumeDirectoriesMissing
    {
        get => _uploader.AssumeDirectoriesMissing;
        set => _uploader.AssumeDirectoriesMissing = value;
    }

    /// <summary>Tests: the largest destination check asked in the upload's own channel (0: always on the agent).</summary>
    internal int InChannelCheckBytes
    {
        get => _uploader.InChannelCheckBytes;
        set => _uploader.InChannelCheckBytes = value;
    }

    /// <summary>The longest prefix of every path that ends with a '/' (or is empty).</summary>
    internal static string CommonDirectoryPrefix(IReadOnlyList<string> paths) => RemoteFiles.CommonDirectoryPrefix(paths);

    /// <summary>Runs an internal, read-only or idempotent operation with retries.</summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
        => await _retry.ExecuteAsync(async ct => await operation(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
