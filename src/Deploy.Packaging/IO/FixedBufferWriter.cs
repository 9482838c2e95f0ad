using System.Buffers;

namespace Deploy.Packaging.IO;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over an array of exactly the size to be written (measured first with
/// <see cref="CountingBufferWriter"/>). Writers ask for more room than they use (Utf8JsonWriter asks for 4 KiB at
/// a time): near the end such a request gets a scratch buffer whose used part is copied in on
/// <see cref="Advance"/>. Writing more than the array holds fails.
/// </summary>
internal sealed class FixedBufferWriter(byte[] destination) : IBufferWriter<byte>
{
    private byte[]? _scratch;
    private bool _inScratch;

    /// <summary>The bytes written so far.</summary>
    public int Written { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > destination.Length - Written)
        {
            throw new InvalidOperationException($"The output is longer than the {destination.Length} bytes measured for it.");
        }

        if (_inScratch)
        {
            _scratch.AsSpan(0, count).CopyTo(destination.AsSpan(Written));
            _inScratch = false;
        }

        Written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (destination.Length - Written >= sizeHint)
        {
            _inScratch = false;
            return destination.AsMemory(Written);
        }

        if (_scratch is null || _scratch.Length < sizeHint)
        {
            _scratch = new byte[Math.Max(sizeHint, 4096)];
        }

        _inScratch = true;
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
