using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Tests.Reading;

public class ReadAheadStreamTests
{
    /// <summary>Hands out its content in small, uneven reads (like a decompressor), then optionally fails.</summary>
    private sealed class Trickle(byte[] content, Exception? failAtEnd = null) : Stream
    {
        private int _pos;

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pos == content.Length)
            {
                return failAtEnd is null ? 0 : throw failAtEnd;
            }

            var n = Math.Min(Math.Min(count, 1 + (_pos % 9973)), content.Length - _pos);
            content.AsSpan(_pos, n).CopyTo(buffer.AsSpan(offset));
            _pos += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private static byte[] Content(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256 * 1024)]
    [InlineData(3_000_017)]
    public async Task Async_reads_return_exactly_the_inner_content(int size)
    {
        var content = Content(size);
        await using var stream = new ReadAheadStream(new Trickle(content));
        using var copy = new MemoryStream();

        var buffer = new byte[100_003];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        copy.ToArray().Should().Equal(content);
        (await stream.ReadAsync(buffer)).Should().Be(0, "the end stays the end");
    }

    [Fact]
    public async Task Sync_and_async_reads_can_alternate()
    {
        var content = Content(2_000_000);
        await using var stream = new ReadAheadStream(new Trickle(content));
        using var copy = new MemoryStream();

        var buffer = new byte[70_000];
        for (var i = 0; ; i++)
        {
            var n = i % 2 == 0 ? stream.Read(buffer, 0, buffer.Length) : await stream.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            copy.Write(buffer, 0, n);
        }

        copy.ToArray().Should().Equal(content);
    }

    [Fact]
    public async Task The_inner_streams_failure_reaches_the_reader_after_the_data_before_it()
    {
        var content = Content(600_000);
        await using var stream = new ReadAheadStream(new Trickle(content, new InvalidDataException("bad CRC")));
        using var copy = new MemoryStream();

        var read = async () =>
        {
            var buffer = new byte[65_536];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                copy.Write(buffer, 0, n);
            }
        };

        await read.Should().ThrowAsync<InvalidDataException>().WithMessage("bad CRC");
        copy.ToArray().Should().Equal(content);
    }

    [Fact]
    public async Task Disposing_before_the_end_stops_the_reader_thread_and_disposes_the_inner_stream()
    {
        var inner = new Trickle(Content(20_000_000));
        var stream = new ReadAheadStream(inner);
        (await stream.ReadAsync(new byte[1000])).Should().BeGreaterThan(0);

        await stream.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        inner.Disposed.Should().BeTrue();
    }

    [Fact]
    public async Task A_canceled_wait_throws_OperationCanceledException()
    {
        using var blocked = new SemaphoreSlim(0);
        var inner = new BlockingStream(blocked);
        var stream = new ReadAheadStream(inner);
        using var cts = new CancellationTokenSource();

        var read = stream.ReadAsync(new byte[10], cts.Token).AsTask();
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => read.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
        blocked.Release();
        await stream.DisposeAsync();
    }

    /// <summary>Blocks its first read until released, then ends.</summary>
    private sealed class BlockingStream(SemaphoreSlim gate) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            gate.Wait();
            return 0;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
