using System.IO.Compression;
using Deploy.Packaging.IO;

namespace Deploy.Packaging.Building;

/// <summary>
/// A write-only stream that gzips its input in independent blocks on several cores and writes the blocks, in
/// order, as concatenated gzip members. Concatenated members are one valid gzip file (RFC 1952 §2.2): gunzip,
/// <c>tar xzf</c> and .NET's GZipStream read it as a whole. Memory is bounded: at most
/// <c>2 × parallelism</c> blocks are in flight. Blocks that do not compress (already-compressed data) are stored,
/// which costs 5 bytes per 64 KiB instead of a full deflate pass.
/// </summary>
internal sealed class ParallelGzipStream : Stream
{
    private readonly Stream _inner;
    private readonly int _blockSize;
    private readonly int _level;
    private readonly int _maxInFlight;
    private readonly bool _leaveOpen;
    private readonly Queue<Task<Chunk>> _pending = new();
    private readonly BufferPool _inputs;
    private readonly BufferPool _outputs;
    private byte[] _block;
    private int _filled;
    private bool _store;
    private bool _anyMember;
    private bool _completed;
    private long _position;

    public ParallelGzipStream(Stream inner, int level = 6, int blockSize = 1 << 20, int parallelism = 0, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 64 * 1024);
        _inner = inner;
        _level = Math.Clamp(level, 0, 9);
        _blockSize = blockSize;
        _maxInFlight = (parallelism > 0 ? parallelism : Environment.ProcessorCount) + 1;
        _leaveOpen = leaveOpen;
        _inputs = new BufferPool(blockSize, _maxInFlight + 1);
        _outputs = new BufferPool(blockSize + (blockSize / 128) + 4096, _maxInFlight + 1);
        _block = _inputs.Rent();
    }

    /// <summary>When set, following bytes are stored rather than compressed (for content that is already
    /// compressed, such as a payload .tar.gz). Changing it ends the current block.</summary>
    public async ValueTask SetStoreAsync(bool store, CancellationToken cancellationToken)
    {
        if (store != _store)
        {
            await SubmitAsync(cancellationToken).ConfigureAwait(false);
            _store = store;
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
        // Blocks are written as they complete; a flush does not end a block (that would hurt the ratio).
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
        => throw new NotSupportedException("ParallelGzipStream is written asynchronously (WriteAsync).");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _blockSize - _filled);
            buffer.Span[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            _position += n;
            buffer = buffer[n..];
            if (_filled == _blockSize)
            {
                await SubmitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Compresses what is buffered, writes every pending block and flushes the inner stream.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return;
        }

        await SubmitAsync(cancellationToken).ConfigureAwait(false);
        if (!_anyMember)
        {
            // An empty input still gives a valid (empty) gzip file.
            _pending.Enqueue(Task.FromResult(Compress([], 0, _level, store: true, _outputs)));
        }

        while (_pending.Count > 0)
        {
            await DrainOneAsync(cancellationToken).ConfigureAwait(false);
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
        _inputs.Return(_block);
        _block = [];
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            // Not completed means the writer failed: drop pending blocks rather than write a truncated member.
            foreach (var t in _pending)
            {
                try
                {
                    var chunk = await t.ConfigureAwait(false);
                    _outputs.Return(chunk.Buffer);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException)
                {
                    // Already failing; the first error is the one reported.
                }
            }

            _pending.Clear();
            _completed = true;
        }

        if (!_leaveOpen)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }

        _completed = true;
        base.Dispose(disposing);
    }

    private async ValueTask SubmitAsync(CancellationToken cancellationToken)
    {
        if (_filled == 0)
        {
            return;
        }

        var block = _block;
        var length = _filled;
        var store = _store;
        var level = _level;
        var inputs = _inputs;
        var outputs = _outputs;
        _pending.Enqueue(Task.Run(
            () =>
            {
                try
                {
                    return Compress(block, length, level, store, outputs);
                }
                finally
                {
                    inputs.Return(block);
                }
            },
            cancellationToken));
        _anyMember = true;
        _block = _inputs.Rent();
        _filled = 0;
        while (_pending.Count >= _maxInFlight)
        {
            await DrainOneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask DrainOneAsync(CancellationToken cancellationToken)
    {
        var chunk = await _pending.Dequeue().ConfigureAwait(false);
        try
        {
            await _inner.WriteAsync(chunk.Buffer.AsMemory(0, chunk.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _outputs.Return(chunk.Buffer);
        }
    }

    private static Chunk Compress(byte[] block, int length, int level, bool store, BufferPool outputs)
    {
        if (!store && level > 0 && length >= 128 * 1024 && LooksIncompressible(block.AsSpan(0, 60 * 1024)))
        {
            store = true;
        }

        var output = outputs.Rent();
        using var ms = new MemoryStream(output, 0, output.Length, writable: true, publiclyVisible: true);
        using (var gz = CreateGzip(ms, store ? 0 : level))
        {
            gz.Write(block, 0, length);
        }

        return new Chunk(output, (int)ms.Position);
    }

    /// <summary>A fast probe: if the first 64 KiB barely shrink at level 1, the block is stored.</summary>
    private static bool LooksIncompressible(ReadOnlySpan<byte> sample)
    {
        // Below the large object heap threshold: a short-lived gen0 array, not a pooled one.
        var scratch = new byte[sample.Length + 4096];
        using var ms = new MemoryStream(scratch, 0, scratch.Length, writable: true, publiclyVisible: true);
        using (var d = new DeflateStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            d.Write(sample);
        }

        return ms.Position > sample.Length * 97L / 100;
    }

    private static GZipStream CreateGzip(Stream output, int level)
    {
#if NET9_0_OR_GREATER
        return new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.Default }, leaveOpen: true);
#else
        var l = level switch { 0 => CompressionLevel.NoCompression, <= 3 => CompressionLevel.Fastest, >= 9 => CompressionLevel.SmallestSize, _ => CompressionLevel.Optimal };
        return new GZipStream(output, l, leaveOpen: true);
#endif
    }

    private readonly record struct Chunk(byte[] Buffer, int Length);
}
