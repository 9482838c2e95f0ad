using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Deploy.Packaging.IO;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Reads an inner stream (typically a decompressor) on a background task into a few pooled 64 KiB chunks, so that
/// decompression on one core overlaps with hashing and file writes on another — what <c>tar xzf</c> gets from
/// running gzip as a separate process. Memory is bounded by the channel capacity: at most 6 chunks per stream
/// (4 queued, one being filled, one being read), each below the large object heap threshold.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private const int ChunkSize = 64 * 1024;
    private readonly Stream _inner;
    private readonly Channel<(byte[] Buffer, int Length)> _channel = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _producer;
    private readonly BufferPool _pool = new(ChunkSize, 6);
    private byte[]? _current;
    private int _currentLength;
    private int _currentPos;
    private bool _eof;
    private bool _disposed;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        _producer = Task.Run(ProduceAsync);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count)
        => throw new NotSupportedException("ReadAheadStream is read asynchronously.");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (_current is null || _currentPos == _currentLength)
        {
            if (_current is not null)
            {
                _pool.Return(_current);
                _current = null;
            }

            if (_eof)
            {
                return 0;
            }

            if (!await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _eof = true;
                await _producer.ConfigureAwait(false); // surfaces the producer's exception, if any
                return 0;
            }

            if (_channel.Reader.TryRead(out var chunk))
            {
                _current = chunk.Buffer;
                _currentLength = chunk.Length;
                _currentPos = 0;
            }
        }

        var n = Math.Min(buffer.Length, _currentLength - _currentPos);
        _current.AsSpan(_currentPos, n).CopyTo(buffer.Span);
        _currentPos += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _cts.CancelAsync().ConfigureAwait(false);
        try
        {
            await _producer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidDataException or ObjectDisposedException)
        {
            // The consumer stopped early or already saw the error.
        }

        while (_channel.Reader.TryRead(out var chunk))
        {
            _pool.Return(chunk.Buffer);
        }

        await _inner.DisposeAsync().ConfigureAwait(false);
        _cts.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _cts.Cancel();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task ProduceAsync()
    {
        var ct = _cts.Token;
        try
        {
            while (true)
            {
                var buffer = _pool.Rent();
                var filled = 0;
                while (filled < ChunkSize)
                {
                    var n = await _inner.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    filled += n;
                }

                if (filled == 0)
                {
                    _pool.Return(buffer);
                    break;
                }

                await _channel.Writer.WriteAsync((buffer, filled), ct).ConfigureAwait(false);
                if (filled < ChunkSize)
                {
                    break;
                }
            }

            _channel.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _channel.Writer.TryComplete(e);
            throw;
        }
    }
}
