using System.Collections.Concurrent;

namespace Deploy.Packaging.IO;

/// <summary>
/// A small pool of equal-size buffers for one pipeline. ArrayPool.Shared is a poor fit when buffers are rented on
/// one thread and returned on another (compression workers, read-ahead producers): returned arrays land in other
/// threads' caches and per-core stacks, the renting thread misses and allocates again, and the pool grows to tens
/// of megabytes. This pool keeps at most <c>capacity</c> buffers, so memory stays flat for any payload size.
/// </summary>
internal sealed class BufferPool(int bufferSize, int capacity)
{
    private readonly ConcurrentQueue<byte[]> _free = new();

    public int BufferSize => bufferSize;

    public byte[] Rent() => _free.TryDequeue(out var b) ? b : new byte[bufferSize];

    public void Return(byte[] buffer)
    {
        if (buffer.Length == bufferSize && _free.Count < capacity)
        {
            _free.Enqueue(buffer);
        }
    }
}
