using System.Buffers;

namespace Deploy.Packaging.IO;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that collects output in 64 KiB chunks (below the large object heap threshold)
/// and copies it once into an exact-size array. ArrayBufferWriter and MemoryStream grow by doubling, which for
/// megabytes of output (the manifest of a large payload) leaves several large arrays behind as garbage.
/// </summary>
internal sealed class ChunkedBufferWriter : IBufferWriter<byte>
{
    private const int ChunkSize = 64 * 1024;
    private readonly List<(byte[] Chunk, int Used)> _done = [];
    private byte[] _current = new byte[ChunkSize];
    private int _used;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _current.Length - _used);
        _used += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        // Reserve first: it may start a new chunk (`_current.AsMemory(Reserve(...))` would read the old one).
        var at = Reserve(sizeHint);
        return _current.AsMemory(at);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        var at = Reserve(sizeHint);
        return _current.AsSpan(at);
    }

    /// <summary>Everything written, in one array of exactly that length.</summary>
    public byte[] ToArray()
    {
        var result = new byte[_done.Sum(d => (long)d.Used) + _used];
        var at = 0;
        foreach (var (chunk, used) in _done)
        {
            chunk.AsSpan(0, used).CopyTo(result.AsSpan(at));
            at += used;
        }

        _current.AsSpan(0, _used).CopyTo(result.AsSpan(at));
        return result;
    }

    private int Reserve(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_current.Length - _used < sizeHint)
        {
            _done.Add((_current, _used));
            _current = new byte[Math.Max(ChunkSize, sizeHint)];
            _used = 0;
        }

        return _used;
    }
}
