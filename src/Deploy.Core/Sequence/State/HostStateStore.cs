using System.Globalization;
using System.Text;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// Keeps state, journal and lock as files in <c>{stateDirectory}/control</c> on an <see cref="IHost"/>:
/// <c>state.json</c>; <c>journal.json</c>, in the operations core's one journal format (<see cref="JournalStore"/>,
/// an <see cref="ApplyRecord"/> as its payload); and <c>lock</c>, the operations core's <see cref="HostLock"/>
/// (a symlink naming the holder, read back in the same listing). The local side is a <see cref="LocalStateCache"/>
/// and the staged state travels with the bulk transfer (<see cref="StagedStateFiles"/>). <see cref="ReadAsync"/>
/// costs one round trip (one listing of the control directory) when the state file's size and full-precision
/// mtime match the cached copy, so a no-op apply never downloads the state; taking the lock lists the directory in
/// the same command, so the read under the lock (<see cref="ReadLockedAsync"/>) costs no round trip of its own.
/// </summary>
public sealed class HostStateStore : ITargetStateStore
{
    private const string StateFile = "state.json";
    private const string JournalFile = "journal.json";
    private const string StagedFile = "state.next.json";
    private const string LockFile = "lock";

    private static readonly HostScript CommitScript = HostScript.FromResource(typeof(HostStateStore).Assembly, "state-commit.sh");

    private readonly IHost _host;
    private readonly string _control;
    private readonly JournalStore _journal;
    private LockLease? _lease;
    private readonly TimeProvider _time;
    private readonly LocalStateCache _cache;
    private (string LocalFile, long Size, long Ticks, TargetState State, byte[] Json)? _staged;
    private long _lastTicks;
    private IReadOnlyList<RemoteFileInfo>? _lockedListing;

    /// <summary>Creates the store.</summary>
    /// <param name="host">The target.</param>
    /// <param name="stateDirectory">The target's state directory (absolute).</param>
    /// <param name="timeProvider">Clock for state file times; <c>null</c> for the system clock.</param>
    /// <param name="cacheDirectory">A local directory where the last read state is cached across processes; <c>null</c> for an in-memory cache only.</param>
    public HostStateStore(IHost host, string stateDirectory, TimeProvider? timeProvider = null, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        PosixPath.EnsureAbsolute(stateDirectory);
        _host = host;
        _control = PosixPath.Combine(stateDirectory, "control");
        _journal = new JournalStore(host, PosixPath.Combine(_control, JournalFile));
        _time = timeProvider ?? TimeProvider.System;
        _cache = new LocalStateCache(cacheDirectory, host.Name + "\n" + _control);
    }

    /// <inheritdoc />
    public async Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        _lockedListing = null;
        var listing = await _host.ListTreeAsync(_control, cancellationToken).ConfigureAwait(false);
        return await SnapshotAsync(listing, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Right after <see cref="AcquireLockAsync"/> this costs no round trip when the state is the cached one: the
    /// lock's command listed the control directory once the lock was taken.
    /// </remarks>
    public Task<TargetSnapshot> ReadLockedAsync(CancellationToken cancellationToken = default)
    {
        if (_lockedListing is not { } listing)
        {
            return ReadAsync(cancellationToken);
        }

        _lockedListing = null;
        return SnapshotAsync(listing, cancellationToken);
    }

    /// <summary>The snapshot a listing of the control directory shows (the state file read only when the cache is stale).</summary>
    private async Task<TargetSnapshot> SnapshotAsync(IReadOnlyList<RemoteFileInfo> listing, CancellationToken cancellationToken)
    {
        RemoteFileInfo? state = null;
        var journal = false;
        LockHolder? holder = null;
        foreach (var e in listing)
        {
            switch (e.Path)
            {
                case StateFile:
                    state = e;
                    break;
                case JournalFile:
                    journal = true;
                    break;
                case LockFile when e.Kind == FileKind.Symlink:
                    holder = LockHolder.Decode(e.LinkTarget ?? "", _host.Name, PosixPath.Combine(_control, LockFile));
                    break;
            }
        }

        if (state is null)
        {
            return new TargetSnapshot(null, journal, holder);
        }

        var ticks = state.ModifiedTime.UtcTicks;
        var cached = await _cache.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (cached is { } c && c.Size == state.Size && c.Ticks == ticks)
        {
            _cache.Keep(c);
            return new TargetSnapshot(c.State, journal, holder);
        }

        var json = await _host.ReadAllTextAsync(PosixPath.Combine(_control, StateFile), cancellationToken).ConfigureAwait(false);
        var parsed = ParseState(json);
        await _cache.RememberAsync(Encoding.UTF8.GetByteCount(json), ticks, parsed, () => Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
        return new TargetSnapshot(parsed, journal, holder);
    }

    /// <inheritdoc />
    public async Task WriteStateAsync(TargetState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, StateJson.Options);
        // A strictly increasing mtime we choose ourselves: the cache can then be validated by one listing.
        var ticks = Math.Max(_time.GetUtcNow().UtcTicks, _lastTicks + 1);
        _lastTicks = ticks;
        await _host.WriteAllBytesAsync(PosixPath.Combine(_control, StateFile), bytes, new FileWriteOptions { ModifiedTime = new DateTimeOffset(ticks, TimeSpan.Zero) }, cancellationToken).ConfigureAwait(false);
        await _cache.RememberAsync(bytes.Length, ticks, state, () => bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        // UTF-8 straight from the serializer: a 10,000-file state is megabytes, and no UTF-16 copy is needed.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, StateJson.Options);
        var ticks = Math.Max(_time.GetUtcNow().UtcTicks, _lastTicks + 1);
        _lastTicks = ticks;
        StagedStateFiles.RemoveOrphaned(_time);
        var local = StagedStateFiles.NewPath();
        await File.WriteAllBytesAsync(local, bytes, cancellationToken).ConfigureAwait(false);
        if (_staged is { } old)
        {
            File.Delete(old.LocalFile);
        }

        _staged = (local, bytes.Length, ticks, state, bytes);
        return new FileUpload(local, PosixPath.Combine(_control, StagedFile))
        {
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModifiedTime = new DateTimeOffset(ticks, TimeSpan.Zero),
        };
    }

    /// <inheritdoc />
    public Task CommitStagedStateAsync(CancellationToken cancellationToken = default) => CommitAsync(null, cancellationToken);

    /// <inheritdoc />
    public Task CommitStagedStateAndReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return CommitAsync(holder, cancellationToken);
    }

    private async Task CommitAsync(LockHolder? release, CancellationToken cancellationToken)
    {
        _ = _staged ?? throw new InvalidOperationException("No state was staged.");
        // rename(2) keeps the mtime we chose, so the cache stays valid without a stat. The lock goes in the same
        // round trip, and only if it is still ours.
        var lease = release is null ? null : _lease;
        await _host.RunScriptAsync(CommitScript, CommitArguments(lease?.Record ?? release?.Encode() ?? ""), cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        await CommittedAsync(lease, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The commit of the staged state, the journal's deletion and the lock's release (<c>state-commit.sh</c>, as
    /// <see cref="CommitStagedStateAndReleaseLockAsync"/> runs it) as the after-placement step of the transfer that
    /// carries the staged state, so the commit costs no round trip of its own; <c>null</c> when no state is staged or
    /// the lock is not held. Once that upload succeeded, <see cref="CommittedAfterPlacementAsync"/> records it here.
    /// </summary>
    internal AfterPlacement? CommitAfterPlacement()
        => _staged is null || _lease is not { } lease ? null : new AfterPlacement(CommitScript, CommitArguments(lease.Record));

    /// <summary>The transfer ran <see cref="CommitAfterPlacement"/>'s step: the lease ends, the cache holds the new state.</summary>
    internal Task CommittedAfterPlacementAsync(CancellationToken cancellationToken)
    {
        _ = _staged ?? throw new InvalidOperationException("No state was staged.");
        return CommittedAsync(_lease, cancellationToken);
    }

    private string[] CommitArguments(string lockRecord)
        => [PosixPath.Combine(_control, StagedFile), PosixPath.Combine(_control, StateFile), PosixPath.Combine(_control, JournalFile), PosixPath.Combine(_control, LockFile), lockRecord];

    /// <summary>The local half of a commit that ran on the target: the released lease, the staged file, the cache.</summary>
    private async Task CommittedAsync(LockLease? lease, CancellationToken cancellationToken)
    {
        var staged = _staged!.Value;
        if (lease is not null)
        {
            lease.MarkReleased();
            await lease.DisposeAsync().ConfigureAwait(false);
            _lease = null;
        }

        _staged = null;
        File.Delete(staged.LocalFile);
        await _cache.RememberAsync(staged.Size, staged.Ticks, staged.State, () => staged.Json, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DiscardStagedStateAsync(CancellationToken cancellationToken = default)
    {
        if (_staged is { } staged)
        {
            _staged = null;
            File.Delete(staged.LocalFile);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IJournalStore Journal => _journal;

    /// <inheritdoc />
    /// <remarks>
    /// The lock is the operations core's <see cref="HostLock"/> at <c>control/lock</c> (heartbeat included). A
    /// stale lock (holder provably dead, or heartbeat expired) is reported with
    /// <see cref="DeployErrorCode.StaleLock"/> unless <paramref name="breakStale"/> is set, so the caller notes the
    /// takeover.
    /// </remarks>
    public async Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var hostLock = new HostLock(_host, PosixPath.Combine(_control, LockFile), new HostLockOptions { TakeOverStale = breakStale });
        _lockedListing = null;
        var (lease, listing) = await hostLock.AcquireAndListAsync(holder, _control, null, cancellationToken).ConfigureAwait(false);
        _lockedListing = listing;
        if (_lease is { } previous)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        _lease = lease;
    }

    /// <inheritdoc />
    public async Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        _lockedListing = null;
        if (_lease is not { } lease || lease.Holder.Id != holder.Id)
        {
            return;
        }

        _lease = null;
        try
        {
            await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await lease.DisposeAsync().ConfigureAwait(false);
        }
    }

    private TargetState ParseState(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TargetState>(json, StateJson.Options) ?? throw new JsonException("null state");
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The state file on {_host.Name} is malformed: {e.Message}. Move it aside to redeploy everything.", e) { Host = _host.Name, Path = PosixPath.Combine(_control, StateFile) };
        }
    }
}
