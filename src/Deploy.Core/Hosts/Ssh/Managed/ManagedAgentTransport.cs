using System.Threading.Channels;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// An agent shell on an exec channel of the managed connection. SSH.NET's output streams only block (see
/// <see cref="BlockingReads"/>), and an agent session reads them for its whole life: each is copied by a thread of its
/// own into an unbounded <see cref="Channel{T}"/> of chunks (the copy never waits on the reader), which the session
/// reads asynchronously. Writes to a channel that has closed surface as <see cref="IOException"/>, as a
/// dead ssh client's stdin does.
/// </summary>
internal sealed class ManagedAgentTransport : IAgentTransport
{
    private readonly ManagedChannel _channel;

    public ManagedAgentTransport(ManagedChannel channel)
    {
        _channel = channel;
        Input = new ChannelInput(channel.Input);
        Output = Pump(channel.Output);
        Errors = Pump(channel.Errors);
    }

    /// <inheritdoc />
    public Stream Input { get; }

    /// <inheritdoc />
    public Stream Output { get; }

    /// <inheritdoc />
    public Stream Errors { get; }

    /// <inheritdoc />
    public bool HasExited => _channel.Execution.IsCompleted;

    /// <summary>Closes the shell's input (it exits) and the channel.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Input.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }

        await _channel.DrainAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _channel.Dispose();
    }

    private static Stream Pump(Stream blocking)
    {
        var chunks = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _ = BlockingReads.OnOwnThread(async () =>
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await blocking.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
                {
                    chunks.Writer.TryWrite(buffer.AsSpan(0, n).ToArray());
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A channel that failed reads as one that ended: the session sees the end of its frame missing.
            }
            finally
            {
                chunks.Writer.TryComplete();
            }
        });
        return new ChunkReadStream(chunks.Reader);
    }

    /// <summary>Reads the chunks the pump thread copied, asynchronously; the end of the channel is the end of the stream.</summary>
    private sealed class ChunkReadStream(ChannelReader<byte[]> chunks) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _chunk.Length)
            {
                if (!await chunks.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                if (chunks.TryRead(out var next))
                {
                    _chunk = next;
                    _offset = 0;
                }
            }

            var n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsSpan(_offset, n).CopyTo(buffer.Span);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>The channel's input, with the failures of a closed channel as <see cref="IOException"/>.</summary>
    private sealed class ChannelInput(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Guard(() => inner.Write(buffer, offset, count));

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsClosed(e))
            {
                throw new IOException("The SSH channel closed.", e);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => Guard(inner.Flush);

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            try
            {
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsClosed(e))
            {
                throw new IOException("The SSH channel closed.", e);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Guard(inner.Dispose);
            }

            base.Dispose(disposing);
        }

        private static bool IsClosed(Exception e) => e is InvalidOperationException or ObjectDisposedException || ManagedErrors.IsTransport(e);

        private static void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (Exception e) when (IsClosed(e))
            {
                throw new IOException("The SSH channel closed.", e);
            }
        }
    }
}
