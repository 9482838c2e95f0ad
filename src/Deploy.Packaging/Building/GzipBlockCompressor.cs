using System.Collections.Concurrent;
using System.IO.Compression;
using Deploy.Packaging.IO;

namespace Deploy.Packaging.Building;

/// <summary>
/// Compresses blocks into independent gzip members on a few dedicated threads, with pooled buffers: input blocks,
/// compressed members and the incompressibility probe's scratch, each bounded by the number of blocks in flight.
/// Dedicated threads matter for memory: every member needs a fresh native deflate state (about 300 KiB), and
/// freeing it on whichever thread-pool thread ran the block leaves free chunks in every thread's malloc arena.
/// One compressor serves streams written one after the other (a package build writes the payload archive, then the
/// package), so buffers and threads are set up once.
/// </summary>
internal sealed class GzipBlockCompressor : IDisposable
{
    /// <summary>The bytes of a block the probe compresses.</summary>
    private const int ProbeSize = 60 * 1024;

    private readonly BlockingCollection<Job> _jobs = [];
    private readonly BufferPool _inputs;
    private readonly BufferPool _outputs;
    private readonly BufferPool _probes;

    public GzipBlockCompressor(int blockSize = 1 << 20, int parallelism = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 64 * 1024);
        BlockSize = blockSize;
        var threads = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        // One block per thread keeps every core busy: while the writer fills the next block, the threads still
        // compress the ones before it (and the writer's own work needs a core then anyway). Two at least, so that
        // with one thread filling and compressing overlap.
        MaxInFlight = Math.Max(2, threads);

        // In flight plus the block being filled; compressed members are returned as soon as they are written.
        _inputs = new BufferPool(blockSize, MaxInFlight + 1);
        _outputs = new BufferPool(blockSize + (blockSize / 128) + 4096, MaxInFlight + 1);
        _probes = new BufferPool(ProbeSize + 4096, threads);
        for (var i = 0; i < threads; i++)
        {
            new Thread(Work) { IsBackground = true, Name = "Deploy gzip" }.Start();
        }
    }

    /// <summary>The uncompressed size of each gzip member.</summary>
    public int BlockSize { get; }

    /// <summary>How many blocks may be queued or compressing at once.</summary>
    public int MaxInFlight { get; }

    /// <summary>An empty block to fill (<see cref="BlockSize"/> bytes).</summary>
    public byte[] RentBlock() => _inputs.Rent();

    /// <summary>Gives back a block that was not compressed.</summary>
    public void ReturnBlock(byte[] block) => _inputs.Return(block);

    /// <summary>Queues the first <paramref name="length"/> bytes of <paramref name="block"/> (which the compressor
    /// owns from now on) and completes with the gzip member, to be given back with <see cref="ReturnMember"/>.
    /// A block that does not compress, or any block when <paramref name="store"/> is set, is stored.</summary>
    public Task<GzipMember> CompressAsync(byte[] block, int length, int level, bool store)
    {
        var job = new Job(block, length, level, store, new TaskCompletionSource<GzipMember>(TaskCreationOptions.RunContinuationsAsynchronously));
        _jobs.Add(job);
        return job.Completion.Task;
    }

    /// <summary>Gives back a member's buffer once it was written.</summary>
    public void ReturnMember(GzipMember member) => _outputs.Return(member.Buffer);

    /// <summary>Stops the threads once the queued blocks are done.</summary>
    public void Dispose() => _jobs.CompleteAdding();

    private void Work()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            try
            {
                job.Completion.SetResult(Compress(job.Block, job.Length, job.Level, job.Store));
            }
            catch (Exception e)
            {
                // Reported to the writer awaiting this member; a worker thread must never die of it.
                job.Completion.SetException(e);
            }
            finally
            {
                _inputs.Return(job.Block);
            }
        }
    }

    private GzipMember Compress(byte[] block, int length, int level, bool store)
    {
        if (!store && level > 0 && length >= 128 * 1024 && LooksIncompressible(block.AsSpan(0, ProbeSize)))
        {
            store = true;
        }

        var output = _outputs.Rent();
        using var ms = new MemoryStream(output, 0, output.Length, writable: true, publiclyVisible: true);
        using (var gz = CreateGzip(ms, store ? 0 : level))
        {
            gz.Write(block, 0, length);
        }

        return new GzipMember(output, (int)ms.Position);
    }

    /// <summary>A fast probe: if the first 60 KiB barely shrink at level 1, the block is stored.</summary>
    private bool LooksIncompressible(ReadOnlySpan<byte> sample)
    {
        var scratch = _probes.Rent();
        try
        {
            using var ms = new MemoryStream(scratch, 0, scratch.Length, writable: true, publiclyVisible: true);
            using (var d = new DeflateStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                d.Write(sample);
            }

            return ms.Position > sample.Length * 97L / 100;
        }
        finally
        {
            _probes.Return(scratch);
        }
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

    private sealed record Job(byte[] Block, int Length, int Level, bool Store, TaskCompletionSource<GzipMember> Completion);
}

/// <summary>One compressed gzip member: the first <paramref name="Length"/> bytes of <paramref name="Buffer"/>.</summary>
internal readonly record struct GzipMember(byte[] Buffer, int Length);
