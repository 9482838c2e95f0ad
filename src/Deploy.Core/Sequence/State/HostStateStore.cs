using System.Globalization;
using System.Text;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Core.Sequence;

/// <summary>
/// Keeps state, journal and lock as files in <c>{stateDirectory}/control</c> on an <see cref="IHost"/>:
/// <c>state.json</c>, <c>journal.json</c>, and <c>lock</c> (a symlink whose target text
/// names the holder: created atomically with <c>ln -s</c>, read back in the same listing). <see cref="ReadAsync"/>
/// costs one round trip (one listing of the control directory) when the state file's size and full-precision
/// mtime match the cached copy, so a no-op apply never downloads the state.
/// </summary>
public sealed class HostStateStore : ITargetStateStore
{
    private const string StateFile = "state.json";
    private const string JournalFile = "journal.json";
    private const string StagedFile = "state.next.json";
    private const string LockFile = "lock";

    private readonly IHost _host;
    private readonly string _control;
    private readonly TimeProvider _time;
    private readonly string? _cacheFile;
    private (long Size, long Ticks, TargetState State)? _cache;
    private (string LocalFile, long Size, long Ticks, TargetState State, byte[] Json)? _staged;
    private long _lastTicks;

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
        _time = timeProvider ?? TimeProvider.System;
        if (cacheDirectory is not null)
        {
            var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(host.Name + "\n" + _control)))[..24];
            _cacheFile = Path.Combine(cacheDirectory, key + ".state.json");
        }
    }

    /// <inheritdoc />
    public async Task<TargetSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var listing = await _host.ListTreeAsync(_control, cancellationToken).ConfigureAwait(false);
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
                    holder = LockHolder.Decode(e.LinkTarget ?? "");
                    break;
            }
        }

        if (state is null)
        {
            return new TargetSnapshot(null, journal, holder);
        }

        var ticks = state.ModifiedTime.UtcTicks;
        var cached = _cache ?? await ReadLocalCacheAsync(cancellationToken).ConfigureAwait(false);
        if (cached is { } c && c.Size == state.Size && c.Ticks == ticks)
        {
            _cache = c;
            return new TargetSnapshot(c.State, journal, holder);
        }

        var json = await _host.ReadAllTextAsync(PosixPath.Combine(_control, StateFile), cancellationToken).ConfigureAwait(false);
        var parsed = ParseState(json);
        await RememberAsync(Encoding.UTF8.GetByteCount(json), ticks, parsed, () => Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
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
        await RememberAsync(bytes.Length, ticks, state, () => bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<FileUpload?> StageStateAsync(TargetState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        // UTF-8 straight from the serializer: a 10,000-file state is megabytes, and no UTF-16 copy is needed.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, StateJson.Options);
        var ticks = Math.Max(_time.GetUtcNow().UtcTicks, _lastTicks + 1);
        _lastTicks = ticks;
        RemoveOrphanedStagedFiles();
        var local = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"{StagedPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}.json"));
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
        var staged = _staged ?? throw new InvalidOperationException("No state was staged.");
        // rename(2) keeps the mtime we chose, so the cache stays valid without a stat. The lock goes in the same
        // round trip, and only if it is still ours.
        await _host.RunScriptAsync(
            "r=\"${DEPLOY_ROOT:-}\"; mv -f \"$r$1\" \"$r$2\" && rm -f \"$r$3\" || exit 1; "
            + "[ -z \"$5\" ] || { [ \"$(readlink \"$r$4\")\" != \"$5\" ] || rm -f \"$r$4\"; }",
            [PosixPath.Combine(_control, StagedFile), PosixPath.Combine(_control, StateFile), PosixPath.Combine(_control, JournalFile), PosixPath.Combine(_control, LockFile), release?.Encode() ?? ""],
            cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        _staged = null;
        File.Delete(staged.LocalFile);
        await RememberAsync(staged.Size, staged.Ticks, staged.State, () => staged.Json, cancellationToken).ConfigureAwait(false);
    }

    private const string StagedPrefix = "deploy-state-";

    /// <summary>
    /// Deletes local staged-state files whose process is gone (killed between staging and committing): their name
    /// carries the owner's pid, and only files untouched for an hour count (a pid from another pid namespace sharing
    /// the temp directory must not cost a live apply its file). Best effort: what cannot be deleted stays.
    /// </summary>
    private void RemoveOrphanedStagedFiles()
    {
        var cutoff = _time.GetUtcNow().UtcDateTime.AddHours(-1);
        try
        {
            foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), StagedPrefix + "*.json"))
            {
                var name = Path.GetFileName(file.AsSpan())[StagedPrefix.Length..];
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || File.GetLastWriteTimeUtc(file) > cutoff || Operations.ProcessLiveness.IsAlive(pid))
                {
                    continue;
                }

                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleanup is a courtesy; staging goes on.
        }
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
    public async Task<Journal?> ReadJournalAsync(CancellationToken cancellationToken = default)
    {
        var path = PosixPath.Combine(_control, JournalFile);
        if (!await _host.ExistsAsync(path, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var json = await _host.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<Journal>(json, StateJson.Options) ?? throw new JsonException("null journal");
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The journal on {_host.Name} is malformed: {e.Message}. Inspect the target, then delete {path} to start afresh.", e) { Host = _host.Name, Path = path };
        }
    }

    /// <inheritdoc />
    public async Task WriteJournalAsync(Journal journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var json = JsonSerializer.Serialize(journal, StateJson.Options);
        var path = PosixPath.Combine(_control, JournalFile);
        if (json.Length > 16 * 1024)
        {
            await _host.WriteAllTextAsync(path, json, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        // Small journals travel as an argument of one command (a cheap round trip on SSH hosts): temp, sync, rename.
        await _host.RunScriptAsync(
            "p=\"${DEPLOY_ROOT:-}$1\"; mkdir -p \"${p%/*}\" && printf '%s' \"$2\" > \"$p.tmp\" && sync \"$p.tmp\" 2>/dev/null; mv -f \"$p.tmp\" \"$p\"",
            [path, json],
            cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task DeleteJournalAsync(CancellationToken cancellationToken = default)
        => _host.RemoveAsync(PosixPath.Combine(_control, JournalFile), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task AcquireLockAsync(LockHolder holder, bool breakStale, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var path = PosixPath.Combine(_control, LockFile);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // ln -s is one symlink(2) call: it fails with EEXIST when the lock exists, so two applies never both win.
            var r = await _host.RunScriptAsync(
                "r=\"${DEPLOY_ROOT:-}\"; mkdir -p \"$r$1\" && ln -s -- \"$3\" \"$r$2\" 2>/dev/null",
                [_control, path, holder.Encode()],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (r.Succeeded)
            {
                return;
            }

            var current = await _host.StatAsync(path, cancellationToken).ConfigureAwait(false);
            if (current?.Kind != FileKind.Symlink)
            {
                throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Could not create the lock {path} on {_host.Name}: {r.StandardError.Trim()}") { Host = _host.Name, Path = path };
            }

            var other = LockHolder.Decode(current.LinkTarget ?? "");
            if (!other.IsProvablyGone())
            {
                throw new DeployException(DeployErrorCode.LockHeld, $"Target {_host.Name} is locked by another apply: {other}. Wait for it to finish; if it is dead on another machine, remove {path} by hand.") { Host = _host.Name, Path = path };
            }

            if (!breakStale || attempt > 0)
            {
                throw new DeployException(DeployErrorCode.StaleLock, $"Target {_host.Name} has a stale lock: {other}, and that process no longer exists. The interrupted apply's journal will be resumed; run again with break-stale-lock to take the lock over.") { Host = _host.Name, Path = path };
            }

            await RemoveLockIfAsync(path, current.LinkTarget!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task ReleaseLockAsync(LockHolder holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return RemoveLockIfAsync(PosixPath.Combine(_control, LockFile), holder.Encode(), cancellationToken);
    }

    private async Task RemoveLockIfAsync(string path, string expected, CancellationToken cancellationToken)
        => await _host.RunScriptAsync(
            "p=\"${DEPLOY_ROOT:-}$1\"; if [ \"$(readlink \"$p\")\" = \"$2\" ]; then rm -f \"$p\"; fi",
            [path, expected],
            cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);

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

    private async Task RememberAsync(long size, long ticks, TargetState state, Func<byte[]> utf8Json, CancellationToken cancellationToken)
    {
        _cache = (size, ticks, state);
        if (_cacheFile is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_cacheFile)!);
        var tmp = _cacheFile + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{size} {ticks}\n")), cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(utf8Json(), cancellationToken).ConfigureAwait(false);
        }

        File.Move(tmp, _cacheFile, overwrite: true);
    }

    private async Task<(long Size, long Ticks, TargetState State)?> ReadLocalCacheAsync(CancellationToken cancellationToken)
    {
        if (_cacheFile is null || !File.Exists(_cacheFile))
        {
            return null;
        }

        try
        {
            var text = await File.ReadAllTextAsync(_cacheFile, cancellationToken).ConfigureAwait(false);
            var nl = text.IndexOf('\n', StringComparison.Ordinal);
            var head = text[..nl].Split(' ');
            var state = JsonSerializer.Deserialize<TargetState>(text.AsSpan(nl + 1), StateJson.Options);
            return state is null ? null : (long.Parse(head[0], CultureInfo.InvariantCulture), long.Parse(head[1], CultureInfo.InvariantCulture), state);
        }
        catch (Exception e) when (e is IOException or JsonException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null; // a broken cache only costs one download
        }
    }
}
