namespace Deploy.Core.Archives;

/// <summary>
/// A read-only view of a SharpCompress decompressor that reports corrupt input as <see cref="InvalidDataException"/>
/// (as the BCL's decompressors do, so callers catch one kind of error), and disposes the decompressor and, unless
/// asked to leave it open, the compressed stream under it.
/// </summary>
internal sealed class DecompressingStream(Stream decompressor, Stream compressed, bool leaveOpen) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return decompressor.Read(buffer);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Corrupt(e);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await decompressor.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Corrupt(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decompressor.Dispose();
            if (!leaveOpen)
            {
                compressed.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await decompressor.DisposeAsync().ConfigureAwait(false);
        if (!leaveOpen)
        {
            await compressed.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    // SharpCompress reports bad input with its own exception types (and sometimes index or argument errors from a
    // malformed header); the stream under it may fail with IOException, which passes through unchanged.
    internal static bool IsCorruption(Exception e)
        => e.GetType().Namespace?.StartsWith("SharpCompress", StringComparison.Ordinal) == true
           || e is IndexOutOfRangeException or ArgumentException or EndOfStreamException or InvalidOperationException or OverflowException;

    internal static InvalidDataException Corrupt(Exception e) => new($"The compressed stream is corrupt: {e.Message}", e);
}
