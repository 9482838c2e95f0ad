using System.Security.Cryptography;

namespace Deploy.Packaging.Building;

/// <summary>Writes a deterministic tar stream (see <see cref="TarHeaders"/>) entry by entry, hashing file content
/// as it passes so a file is read exactly once.</summary>
internal sealed class TarStreamWriter(Stream output, long mtime)
{
    // One buffer for the writer's life: awaits resume on other threads, where a pooled array would be returned
    // into another thread's cache.
    private readonly byte[] _buffer = new byte[1 << 20];

    public async Task WriteDirectoryAsync(string name, int mode, CancellationToken cancellationToken)
        => await output.WriteAsync(TarHeaders.Build(name.TrimEnd('/') + "/", TarHeaders.Directory, mode, 0, mtime), cancellationToken).ConfigureAwait(false);

    public async Task WriteSymlinkAsync(string name, string target, CancellationToken cancellationToken)
        => await output.WriteAsync(TarHeaders.Build(name, TarHeaders.Symlink, 0b111_111_111, 0, mtime, target), cancellationToken).ConfigureAwait(false);

    public async Task WriteBytesAsync(string name, int mode, byte[] content, CancellationToken cancellationToken)
    {
        await output.WriteAsync(TarHeaders.Build(name, TarHeaders.Regular, mode, content.Length, mtime), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(new byte[TarHeaders.Pad(content.Length)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a file of <paramref name="length"/> bytes from <paramref name="content"/>; returns the
    /// lower-case hex SHA-256 of the content. Fails if the file changes size while being read.</summary>
    public async Task<string> WriteFileAsync(string name, int mode, Stream content, long length, CancellationToken cancellationToken)
    {
        await output.WriteAsync(TarHeaders.Build(name, TarHeaders.Regular, mode, length, mtime), cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = _buffer;
        {
            var remaining = length;
            while (remaining > 0)
            {
                var n = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"'{name}' shrank while it was being packed ({remaining} bytes missing).");
                }

                hash.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                remaining -= n;
            }
        }

        await output.WriteAsync(new byte[TarHeaders.Pad(length)], cancellationToken).ConfigureAwait(false);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    public async Task FinishAsync(CancellationToken cancellationToken)
        => await output.WriteAsync(TarHeaders.EndOfArchive(), cancellationToken).ConfigureAwait(false);
}
