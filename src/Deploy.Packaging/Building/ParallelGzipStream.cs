using System.Runtime.CompilerServices;
using System.IO.Compression;
using Deploy.Packaging.IO;

namespace Deploy.Packaging.Building;

/// <summary>
/// A write-only stream that gzips its input in independent blocks on several cores and writes the blocks, in
/// order, as concatenated gzip members. Concatenated members are one valid gzip file (RFC 1952 §2.2): gunzip,
/// <c>tar xzf</c> and .NET's GZipStream read it as a whole. Memory is bounded: at most
/// <c>parallelism + 1</c> blocks are in flight, and every buffer comes from the <see cref="GzipBlockCompressor"/>'s
/// pools, so a multi-GB input allocates nothing per block on the managed heap. Callers that produce data can fill
/// the current block in place (<see cref="GetBuffer"/> + <see cref="AdvanceAsync"/>) instead of copying it in with
/// WriteAsync. Blocks that do not compress (already-compressed data) are stored, which costs 5 bytes per 64 KiB
/// instead of a full deflate pass.
/// </summary>
internal sealed class ParallelGzipStream : Stream
{
    private readonly Stream _inner;
    private readonly int _blockSize;
    private readonly int _level;
    private readonly int _maxInFlight;
    private readonly bool _leaveOpen;
    private readonly Queue<Task<GzipMember>> _pending = new();
    private readonly GzipBlockCompressor _compressor;
    private readonly bool _ownsCompressor;
    private byte[] _block;
    private int _filled;
    private bool _store;
    private bool _anyMember;
    private bool _completed;
    private long _position;

    public ParallelGzipStream(Stream inner, int level = 6, int blockSize = 1 << 20, int parallelism = 0, bool leaveOpen = false)
        : this(inner, level, new GzipBlockCompressor(blockSize, parallelism), leaveOpen)
    {
        _ownsCompressor = true;
    }

    /// <summary>Compresses with <paramref name="compressor"/>, which may be shared by streams written one after
    /// the other (a package build writes the payload archive, then the package) and is not disposed.</summary>
    public ParallelGzipStream(Stream inner, int level, GzipBlockCompressor compressor, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(compressor);
        _inner = inner;
        _level = Math.Clamp(level, 0, 9);
        _compressor = compressor;
        _blockSize = compressor.BlockSize;
        _maxInFlight = compressor.MaxInFlight;
        _leaveOpen = leaveOpen;
        _block = compressor.RentBlock();
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

    /// <summary>The free space of the current block, to be filled in place and then committed with
    /// <see cref="AdvanceAsync"/>. Never empty.</summary>
    public Memory<byte> GetBuffer()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        return _block.AsMemory(_filled);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into <see cref="GetBuffer"/>.</summary>
    public ValueTask AdvanceAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _blockSize - _filled);
        _filled += count;
        _position += count;
        return _filled == _blockSize ? SubmitAsync(cancellationToken) : default;
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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
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
            _pending.Enqueue(_compressor.CompressAsync([], 0, _level, store: true));
        }

        while (_pending.Count > 0)
        {
            await DrainOneAsync(cancellationToken).ConfigureAwait(false);
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
        _compressor.ReturnBlock(_block);
        _block = [];
        ReleaseCompressor();
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
                    _compressor.ReturnMember(await t.ConfigureAwait(false));
                }
                catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException)
                {
                    // Already failing; the first error is the one reported.
                }
            }

            _pending.Clear();
            _completed = true;
            ReleaseCompressor();
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

        if (disposing)
        {
            ReleaseCompressor();
        }

        _completed = true;
        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SubmitAsync(CancellationToken cancellationToken)
    {
        if (_filled == 0)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        _pending.Enqueue(_compressor.CompressAsync(_block, _filled, _level, _store));
        _anyMember = true;
        _block = _compressor.RentBlock();
        _filled = 0;
        while (_pending.Count >= _maxInFlight)
        {
            await DrainOneAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DrainOneAsync(CancellationToken cancellationToken)
    {
        var member = await _pending.Dequeue().ConfigureAwait(false);
        try
        {
            await _inner.WriteAsync(member.Buffer.AsMemory(0, member.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _compressor.ReturnMember(member);
        }
    }

    private void ReleaseCompressor()
    {
        if (_ownsCompressor)
        {
            _compressor.Dispose();
        }
    }
}
