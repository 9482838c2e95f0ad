using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Reads an inner stream (typically a decompressor) on a dedicated thread into a few 256 KiB chunks, so that
/// decompression on one core overlaps with hashing and file writes on another — what <c>tar xzf</c> gets from
/// running gzip as a separate process. The thread reads synchronously, so the decompressor and the streams below
/// it run without async state machines, and hand-offs allocate nothing. Memory is bounded: <see cref="Depth"/>
/// queued chunks plus the one being filled and the one being read, allocated once. Chunks are large enough that
/// hand-offs (and the file writes after them) stay few. Read it asynchronously or synchronously (an inner layer's
/// thread reads an outer layer synchronously), one caller at a time.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private const int ChunkSize = 256 * 1024;
    private const int Depth = 4;

    private readonly Stream _inner;
    private readonly object _gate = new();
    private readonly Queue<(byte[] Buffer, int Length)> _ready = new(Depth);
    private readonly Stack<byte[]> _free = new();
    private readonly Thread _producer;
    private readonly TaskCompletionSource _producerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Wakeup _wakeup = new();
    private CancellationToken _registeredToken;
    private CancellationTokenRegistration _registration;
    private bool _finished;
    private bool _stopping;
    private bool _consumerWaiting;
    private ExceptionDispatchInfo? _error;
    private byte[]? _current;
    private int _currentLength;
    private int _currentPos;
    private bool _disposed;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        _producer = new Thread(Produce) { IsBackground = true, Name = "Deploy read-ahead" };
        _producer.Start();
    }

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
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (TryTake(buffer, out var n))
            {
                return n;
            }

            lock (_gate)
            {
                while (_ready.Count == 0 && !_finished)
                {
                    Monitor.Wait(_gate);
                }
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        return TryTake(buffer.Span, out var n) ? ValueTask.FromResult(n) : WaitThenReadAsync(buffer, cancellationToken);
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
        Stop();
        await _producerDone.Task.ConfigureAwait(false);
        await _registration.DisposeAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Stop();
            _producer.Join();
            _registration.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitThenReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitForDataAsync(cancellationToken).ConfigureAwait(false);
            if (TryTake(buffer.Span, out var n))
            {
                return n;
            }
        }
    }

    /// <summary>Copies as much as is ready (across chunks, so a large read is served whole and the file write
    /// that follows is one large write). Returns false when nothing is ready yet; true with 0 bytes at the end (or
    /// rethrows the producer's failure once the data before it was read).</summary>
    private bool TryTake(Span<byte> destination, out int count)
    {
        count = 0;
        while (count < destination.Length)
        {
            if (_current is null || _currentPos == _currentLength)
            {
                lock (_gate)
                {
                    if (_current is not null)
                    {
                        _free.Push(_current);
                        _current = null;
                    }

                    if (_ready.Count > 0)
                    {
                        (_current, _currentLength) = _ready.Dequeue();
                        _currentPos = 0;
                        Monitor.PulseAll(_gate); // room for the producer
                    }
                    else if (_finished)
                    {
                        if (count == 0)
                        {
                            _error?.Throw();
                        }

                        return true;
                    }
                    else
                    {
                        return count > 0;
                    }
                }
            }

            var n = Math.Min(destination.Length - count, _currentLength - _currentPos);
            _current.AsSpan(_currentPos, n).CopyTo(destination[count..]);
            _currentPos += n;
            count += n;
        }

        return true;
    }

    private ValueTask WaitForDataAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_ready.Count > 0 || _finished)
            {
                return default;
            }

            // Armed before registering: a token canceled meanwhile fires its callback right away, on this waiter.
            var wait = _wakeup.Arm(cancellationToken);
            _consumerWaiting = true;
            if (cancellationToken.CanBeCanceled && cancellationToken != _registeredToken)
            {
                // One registration per token (a reader passes the same one every time), not one per wait.
                // Unregister, not Dispose: Dispose would wait for a running callback, which waits for this lock.
                _registration.Unregister();
                _registeredToken = cancellationToken;
                _registration = cancellationToken.UnsafeRegister(static s => ((ReadAheadStream)s!).OnCanceled(), this);
            }

            return wait;
        }
    }

    private void OnCanceled()
    {
        lock (_gate)
        {
            if (_consumerWaiting)
            {
                _consumerWaiting = false;
                _wakeup.Fire(canceled: true);
            }
        }
    }

    private void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Produce()
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                lock (_gate)
                {
                    while (!_stopping && _ready.Count >= Depth)
                    {
                        Monitor.Wait(_gate);
                    }

                    if (_stopping)
                    {
                        return;
                    }

                    buffer = _free.Count > 0 ? _free.Pop() : new byte[ChunkSize];
                }

                var filled = 0;
                ExceptionDispatchInfo? failure = null;
                try
                {
                    while (filled < ChunkSize)
                    {
                        var n = _inner.Read(buffer, filled, ChunkSize - filled);
                        if (n == 0)
                        {
                            break;
                        }

                        filled += n;
                    }
                }
                catch (Exception e)
                {
                    // The bytes read before the failure are still handed over, then the failure (a corrupt gzip
                    // stream is InvalidDataException, and stays one).
                    failure = ExceptionDispatchInfo.Capture(e);
                }

                lock (_gate)
                {
                    if (filled > 0)
                    {
                        _ready.Enqueue((buffer, filled));
                        WakeConsumer();
                    }
                    else
                    {
                        _free.Push(buffer);
                    }

                    _error = failure;
                }

                if (failure is not null || filled < ChunkSize)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // Anything else (out of memory): the reader gets it; this thread must not die of it.
            lock (_gate)
            {
                _error ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        finally
        {
            lock (_gate)
            {
                _finished = true;
                WakeConsumer();
            }

            _producerDone.TrySetResult();
        }
    }

    /// <summary>Wakes a synchronous reader (Monitor) or an asynchronous one (on a thread-pool thread, so that the
    /// reader's hashing and writing never run on this thread). Called under the gate.</summary>
    private void WakeConsumer()
    {
        Monitor.PulseAll(_gate);
        if (_consumerWaiting)
        {
            _consumerWaiting = false;
            _wakeup.Fire(canceled: false);
        }
    }

    /// <summary>The one reusable awaitable an asynchronous reader waits on: completing it allocates nothing.</summary>
    private sealed class Wakeup : IValueTaskSource, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<bool> _core;
        private CancellationToken _token;
        private bool _canceled;

        public ValueTask Arm(CancellationToken cancellationToken)
        {
            _core.Reset();
            _token = cancellationToken;
            _canceled = false;
            return new ValueTask(this, _core.Version);
        }

        public void Fire(bool canceled)
        {
            _canceled = canceled;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        public void Execute()
        {
            if (_canceled)
            {
                _core.SetException(new OperationCanceledException(_token));
            }
            else
            {
                _core.SetResult(true);
            }
        }

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
