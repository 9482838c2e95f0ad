using System.Buffers;

namespace Deploy.Packaging.IO;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that only counts what is written, handing out one reused scratch buffer: the
/// first pass of a two-pass serialization that then writes into an exact-size array
/// (<see cref="FixedBufferWriter"/>). Growing a buffer by doubling would leave several large arrays behind as
/// garbage for megabytes of output (the manifest of a payload of many files).
/// </summary>
internal sealed class CountingBufferWriter : IBufferWriter<byte>
{
    private byte[] _scratch = new byte[16 * 1024];

    /// <summary>The bytes written so far.</summary>
    public int Count { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _scratch.Length);
        Count = checked(Count + count);
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint);

    private byte[] Scratch(int sizeHint)
    {
        if (sizeHint > _scratch.Length)
        {
            _scratch = new byte[sizeHint];
        }

        return _scratch;
    }
}
