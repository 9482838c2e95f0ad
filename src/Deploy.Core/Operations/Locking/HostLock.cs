using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Operations.Locking;

/// <summary>
/// A lock on any <see cref="IHost"/>, kept as a symlink at a path the operation chooses (e.g.
/// <c>&lt;state dir&gt;/control/lock</c>) whose target text is the <see cref="LockHolder"/> record. Acquiring is one
/// <c>symlink(2)</c>, so two takers never both win, and costs one round trip when the lock is free. A lock held by
/// someone else is refused with <see cref="DeployErrorCode.LockHeld"/> naming the holder, unless it is stale (its
/// holder provably dead on this machine, or its heartbeat expired): then it is taken over with a note (log,
/// progress, <see cref="LockLease.TakenOver"/>). Release removes the lock only while it is still ours.
/// </summary>
public sealed partial class HostLock : IOperationLock
{
    private readonly IHost _host;
    private readonly HostLockOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the lock at <paramref name="path"/> on <paramref name="host"/> (nothing is taken yet).</summary>
    /// <param name="host">The target.</param>
    /// <param name="path">The lock's absolute path on the target; its directory is created when missing.</param>
    /// <param name="options">Heartbeat, staleness and takeover settings.</param>
    /// <param name="logger">Receives takeover notes and lost heartbeats.</param>
    public HostLock(IHost host, string path, HostLockOptions? options = null, ILogger<HostLock>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        PosixPath.EnsureAbsolute(path);
        _host = host;
        Path = path;
        _options = options ?? new HostLockOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The lock's path on the target.</summary>
    public string Path { get; }

    /// <summary>The host.</summary>
    public IHost Host => _host;

    /// <summary>The host's name.</summary>
    public string Target => _host.Name;

    /// <inheritdoc />
    public HostLockOptions Options => _options;

    internal ILogger Logger => _logger;

    /// <summary>
    /// Takes the lock for <paramref name="operation"/> of this process. One round trip when it is free; when it is
    /// held by a provably dead process of this machine or its heartbeat expired, it is taken over (one more round
    /// trip) and the returned lease says so.
    /// </summary>
    /// <param name="operation">What this process is about to do (recorded in the holder).</param>
    /// <param name="progress">Receives <see cref="OperationEventKind.LockTakenOver"/> when a stale lock is taken over.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.LockHeld"/> naming the live holder;
    /// <see cref="DeployErrorCode.StaleLock"/> when stale and <see cref="HostLockOptions.TakeOverStale"/> is off.</exception>
    public Task<LockLease> AcquireAsync(string operation, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => AcquireAsync(LockHolder.ForCurrentProcess(operation, _options.TimeProvider), progress, cancellationToken);

    /// <summary>Takes the lock for <paramref name="holder"/> (see <see cref="AcquireAsync(string, IProgress{OperationProgress}?, CancellationToken)"/>).</summary>
    public async Task<LockLease> AcquireAsync(LockHolder holder, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
        => (await AcquireAndListAsync(holder, null, progress, cancellationToken).ConfigureAwait(false)).Lease;

    /// <summary>
    /// Takes the lock as <see cref="AcquireAsync(LockHolder, IProgress{OperationProgress}?, CancellationToken)"/> and,
    /// when <paramref name="listDirectory"/> is given, lists that directory's entries (one level) under the lock in the
    /// same command: what the lock guards, read without another round trip. An absent directory lists nothing.
    /// </summary>
    internal async Task<(LockLease Lease, IReadOnlyList<RemoteFileInfo> Listing)> AcquireAndListAsync(LockHolder holder, string? listDirectory, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (listDirectory is not null)
        {
            PosixPath.EnsureAbsolute(listDirectory, nameof(listDirectory));
        }

        var record = holder.Encode();
        IReadOnlyList<RemoteFileInfo> listing = [];
        var found = await TryTakeAsync(record, "", listDirectory, l => listing = l, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return (new LockLease(this, holder, null, _logger), listing);
        }

        var (other, age) = found.Value;
        var reason = StaleReason(other, age);
        if (reason is null)
        {
            throw new DeployException(DeployErrorCode.LockHeld, $"{_host.Name} is locked by {other}; its heartbeat is {age.TotalSeconds:0} s old. Wait for it to finish; if you know it is dead, take the lock over explicitly.") { Host = _host.Name, Path = Path };
        }

        if (reason != LockTakeoverReason.Forced && !_options.TakeOverStale)
        {
            throw new DeployException(DeployErrorCode.StaleLock, $"{_host.Name} has a stale lock of {other} ({(reason == LockTakeoverReason.HolderDead ? "that process no longer exists" : $"heartbeat {age.TotalSeconds:0} s old")}). Take it over to go on.") { Host = _host.Name, Path = Path };
        }

        var again = await TryTakeAsync(record, other.Encode(), listDirectory, l => listing = l, cancellationToken).ConfigureAwait(false);
        if (again is { } winner)
        {
            throw new DeployException(DeployErrorCode.LockHeld, $"{_host.Name} is locked by {winner.Holder}, who took the stale lock over first.") { Host = _host.Name, Path = Path };
        }

        var note = new LockTakeover(other, reason.Value, age);
        Log.TakenOver(_logger, _host.Name, Path, note.Describe());
        progress?.Report(new OperationProgress(OperationEventKind.LockTakenOver, holder.Operation, note.Describe()));
        return (new LockLease(this, holder, note, _logger), listing);
    }

    /// <summary>Reads who holds the lock and how old its heartbeat is (one stat); <c>null</c> when it is free.</summary>
    public async Task<LockStatus?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var info = await _host.StatAsync(Path, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return null;
        }

        if (info.Kind != FileKind.Symlink)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The lock {Path} on {_host.Name} is not a symlink; remove it by hand if no operation is running.") { Host = _host.Name, Path = Path };
        }

        return new LockStatus(LockHolder.Decode(info.LinkTarget ?? "", _host.Name, Path), info.ModifiedTime);
    }

    private LockTakeoverReason? StaleReason(LockHolder other, TimeSpan age) => _options.StaleReason(other, age);

    /// <summary>Runs the acquire script; <c>null</c> when taken, else the holder found and its heartbeat's age.</summary>
    private async Task<(LockHolder Holder, TimeSpan Age)?> TryTakeAsync(string record, string replacing, string? listDirectory, Action<IReadOnlyList<RemoteFileInfo>> listed, CancellationToken cancellationToken)
    {
        var r = await _host.RunScriptAsync(Scripts.Acquire, listDirectory is null ? [Path, record, replacing] : [Path, record, replacing, listDirectory], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.Succeeded)
        {
            listed(listDirectory is null ? [] : Hosts.Ssh.FindOutputParser.Parse(r.StandardOutput, withPath: true));
            return null;
        }

        if (r.ExitCode == 4)
        {
            throw new DeployException(DeployErrorCode.LockHeld, $"Another process is taking over the lock {Path} on {_host.Name} right now; try again.") { Host = _host.Name, Path = Path };
        }

        var lines = r.StandardOutput.Split('\n', 2);
        if (r.ExitCode != 3 || lines.Length < 2 || !long.TryParse(lines[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Could not create the lock {Path} on {_host.Name}: {r.StandardError.Trim()}") { Host = _host.Name, Path = Path, ExitCode = r.ExitCode };
        }

        var holder = LockHolder.Decode(lines[1].TrimEnd('\n'), _host.Name, Path);
        return (holder, TimeSpan.FromSeconds(Math.Max(0, seconds)));
    }

    /// <summary>Runs the release script (<paramref name="renew"/>: renew with <c>touch -h</c> instead); whether the lock was still ours.</summary>
    public async Task<bool> RenewOrReleaseAsync(LockHolder holder, bool renew, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var touch = renew;
        var r = await _host.RunScriptAsync(Scripts.Release, [Path, holder.Encode(), touch ? "touch" : "release"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (r.ExitCode is 0 or 3)
        {
            return r.ExitCode == 0;
        }

        throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Could not {(touch ? "renew" : "release")} the lock {Path} on {_host.Name}: {r.StandardError.Trim()}") { Host = _host.Name, Path = Path, ExitCode = r.ExitCode };
    }

    private static class Scripts
    {
        public static readonly HostScript Acquire = HostScript.FromResource(typeof(HostLock).Assembly, "lock-acquire.sh");
        public static readonly HostScript Release = HostScript.FromResource(typeof(HostLock).Assembly, "lock-release.sh");
    }

    internal static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "{Host}: {Note} ({Path})")]
        public static partial void TakenOver(ILogger logger, string host, string path, string note);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "{Host}: the lock {Path} is no longer ours: {Reason}")]
        public static partial void Lost(ILogger logger, string host, string path, string reason);
    }
}

/// <summary>Who holds a lock and when they last renewed it.</summary>
/// <param name="Holder">The holder.</param>
/// <param name="Heartbeat">The lock's modification time: when it was taken or last renewed.</param>
public sealed record LockStatus(LockHolder Holder, DateTimeOffset Heartbeat);
