namespace Deploy.Core.Archives;

/// <summary>
/// A forward-only stream whose first bytes were read ahead (to detect a format: gzip, tar, zip magic) and are replayed
/// before the rest of the inner stream. The one "peek a stream" type of the SDK (package reader, image archives).
/// </summary>
internal sealed class PeekStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _ownsInner;
    private readonly ReadOnlyMemory<byte> _head;
    private int _headPos;

    /// <summary>Replays <paramref name="head"/> (bytes already read from <paramref name="inner"/>), then reads on from <paramref name="inner"/>.</summary>
    public PeekStream(ReadOnlyMemory<byte> head, Stream inner, bool ownsInner = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _ownsInner = ownsInner;
        _head = head;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes ahead (fewer at the end of the stream) to be replayed.</summary>
    public static async Task<PeekStream> CreateAsync(Stream inner, int count, bool ownsInner, CancellationToken cancellationToken)
    {
        var buf = new byte[count];
        var n = await inner.ReadAtLeastAsync(buf, count, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return new PeekStream(buf.AsMemory(0, n), inner, ownsInner);
    }

    /// <summary>The bytes read ahead.</summary>
    public ReadOnlySpan<byte> Head => _head.Span;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_headPos < _head.Length)
        {
            var n = Math.Min(buffer.Length, _head.Length - _headPos);
            _head.Span.Slice(_headPos, n).CopyTo(buffer);
            _headPos += n;
            return n;
        }

        return _inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _headPos < _head.Length ? ValueTask.FromResult(Read(buffer.Span)) : _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_ownsInner)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsInner)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
