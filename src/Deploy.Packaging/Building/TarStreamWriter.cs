using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Deploy.Core.Archives;
using Microsoft.Win32.SafeHandles;
using Deploy.Packaging.IO;

namespace Deploy.Packaging.Building;

/// <summary>Writes a deterministic tar stream (see <see cref="TarHeaders"/>) entry by entry into a
/// <see cref="ParallelGzipStream"/>, hashing file content as it passes so a file is read exactly once. File content
/// is read straight into the compressor's current block, and headers go through one reused block: the writer
/// allocates nothing per byte and almost nothing per entry.</summary>
internal sealed class TarStreamWriter(ParallelGzipStream output, long mtime) : IDisposable
{
    private readonly byte[] _header = new byte[TarHeaders.BlockSize];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public Task WriteDirectoryAsync(string name, int mode, CancellationToken cancellationToken)
        => WriteHeaderAsync(name.TrimEnd('/') + "/", TarHeaders.Directory, mode, 0, null, cancellationToken);

    public Task WriteSymlinkAsync(string name, string target, CancellationToken cancellationToken)
        => WriteHeaderAsync(name, TarHeaders.Symlink, 0b111_111_111, 0, target, cancellationToken);

    public async Task WriteBytesAsync(string name, int mode, byte[] content, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(name, TarHeaders.Regular, mode, content.Length, null, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(TarHeaders.Zeros[..TarHeaders.Pad(content.Length)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the first <paramref name="length"/> bytes of the file <paramref name="content"/>; returns
    /// the lower-case hex SHA-256 of the content. Fails if the file is shorter (it shrank while being packed).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<string> WriteFileAsync(string name, int mode, SafeFileHandle content, long length, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(name, TarHeaders.Regular, mode, length, null, cancellationToken).ConfigureAwait(false);
        long offset = 0;
        while (offset < length)
        {
            var block = output.GetBuffer();
            // A synchronous read on this thread: FileStream and RandomAccess.ReadAsync would run the same read on a
            // thread-pool thread, allocating a work item per file and paying a thread switch per read.
            cancellationToken.ThrowIfCancellationRequested();
            var n = RandomAccess.Read(content, block.Span[..(int)Math.Min(block.Length, length - offset)], offset);
            if (n == 0)
            {
                throw new IOException($"'{name}' shrank while it was being packed ({length - offset} bytes missing).");
            }

            _hash.AppendData(block.Span[..n]);
            await output.AdvanceAsync(n, cancellationToken).ConfigureAwait(false);
            offset += n;
        }

        await output.WriteAsync(TarHeaders.Zeros[..TarHeaders.Pad(length)], cancellationToken).ConfigureAwait(false);
        Span<byte> sha = stackalloc byte[32];
        _hash.GetHashAndReset(sha);
        return HexString.Lower(sha);
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
        => await output.WriteAsync(TarHeaders.Zeros, cancellationToken).ConfigureAwait(false);

    public void Dispose() => _hash.Dispose();

    private async Task WriteHeaderAsync(string name, byte type, int mode, long size, string? linkName, CancellationToken cancellationToken)
    {
        if (TarHeaders.TryWriteUstar(_header, name, type, mode, size, mtime, linkName))
        {
            await output.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await output.WriteAsync(TarHeaders.Build(name, type, mode, size, mtime, linkName), cancellationToken).ConfigureAwait(false);
        }
    }
}
