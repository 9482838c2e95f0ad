namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// SSH.NET's output streams only block (their <c>ReadAsync</c> is the base class's, which parks a pool thread in
/// <c>Read</c>): with a few commands running, the pool starves. Each read loop runs on a thread of its own instead,
/// over <see cref="Stream"/> whose async reads are plain blocking reads on that thread.
/// </summary>
internal static class BlockingReads
{
    /// <summary>Runs <paramref name="loop"/> on a dedicated thread.</summary>
    public static Task<T> OnOwnThread<T>(Func<Task<T>> loop)
        => Task.Factory.StartNew(loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Runs <paramref name="loop"/> on a dedicated thread.</summary>
    public static Task OnOwnThread(Func<Task> loop)
        => Task.Factory.StartNew(loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary><paramref name="inner"/> with async reads that complete synchronously (for use on a dedicated thread).</summary>
    public static Stream Synchronous(Stream inner) => new SynchronousReadStream(inner);

    private sealed class SynchronousReadStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(inner.Read(buffer, offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(inner.Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
