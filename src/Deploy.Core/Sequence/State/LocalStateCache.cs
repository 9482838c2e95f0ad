using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// The local cache of a target's recorded state (memory, and optionally a file shared across processes), keyed by
/// the state file's size and full-precision mtime: a listing that shows the same two values proves the cache
/// current, so a no-op apply never downloads the state.
/// </summary>
internal sealed class LocalStateCache
{
    private readonly string? _file;
    private (long Size, long Ticks, TargetState State)? _memory;

    /// <param name="directory">The cache directory; <c>null</c> for memory only.</param>
    /// <param name="key">What identifies the target's state (host and control directory).</param>
    public LocalStateCache(string? directory, string key)
    {
        if (directory is not null)
        {
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24];
            _file = Path.Combine(directory, hash + ".state.json");
        }
    }

    /// <summary>The cached state with its size and mtime ticks: from memory, else from the cache file.</summary>
    public async Task<(long Size, long Ticks, TargetState State)?> ReadAsync(CancellationToken cancellationToken)
        => _memory ?? await ReadFileAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Keeps a validated entry in memory.</summary>
    public void Keep((long Size, long Ticks, TargetState State) entry) => _memory = entry;

    /// <summary>Remembers <paramref name="state"/> as the target's state file of <paramref name="size"/> bytes and mtime <paramref name="ticks"/>.</summary>
    public async Task RememberAsync(long size, long ticks, TargetState state, Func<byte[]> utf8Json, CancellationToken cancellationToken)
    {
        _memory = (size, ticks, state);
        if (_file is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var tmp = _file + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{size} {ticks}\n")), cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(utf8Json(), cancellationToken).ConfigureAwait(false);
        }

        File.Move(tmp, _file, overwrite: true);
    }

    private async Task<(long Size, long Ticks, TargetState State)?> ReadFileAsync(CancellationToken cancellationToken)
    {
        if (_file is null || !File.Exists(_file))
        {
            return null;
        }

        try
        {
            var text = await File.ReadAllTextAsync(_file, cancellationToken).ConfigureAwait(false);
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
