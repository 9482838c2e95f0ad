using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;
using SharpCompress.Compressors.ZStandard;

namespace Deploy.Core.Archives;

/// <summary>How an archive stream is compressed, told by its first bytes.</summary>
public enum StreamCompression
{
    /// <summary>Not compressed (or not by a format this SDK reads).</summary>
    None,

    /// <summary>gzip (<c>1f 8b</c>), also concatenated members; read by the BCL.</summary>
    Gzip,

    /// <summary>xz (<c>fd 37 7a 58 5a 00</c>); read by SharpCompress.</summary>
    Xz,

    /// <summary>bzip2 (<c>BZh</c>); read by SharpCompress.</summary>
    Bzip2,

    /// <summary>Zstandard (<c>28 b5 2f fd</c>); read by SharpCompress.</summary>
    Zstd,
}

/// <summary>
/// The one place that tells a compressed archive stream's format from its first bytes and opens a streaming
/// decompressor for it: the BCL for gzip, SharpCompress for xz, bzip2 and zstd (shipping images to air-gapped sites
/// often uses xz). Nothing is buffered beyond the decompressor's window.
/// </summary>
public static class Decompression
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int MagicLength = 6;

    /// <summary>The compression of a stream whose first bytes are <paramref name="head"/> (fewer is fine).</summary>
    public static StreamCompression Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return StreamCompression.Gzip;
        }

        if (head.Length >= 6 && head[..6].SequenceEqual((ReadOnlySpan<byte>)[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))
        {
            return StreamCompression.Xz;
        }

        if (head.Length >= 4 && head[0] == (byte)'B' && head[1] == (byte)'Z' && head[2] == (byte)'h' && head[3] is >= (byte)'1' and <= (byte)'9')
        {
            return StreamCompression.Bzip2;
        }

        if (head.Length >= 4 && head[..4].SequenceEqual((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]))
        {
            return StreamCompression.Zstd;
        }

        return StreamCompression.None;
    }

    /// <summary>The usual file-name suffix of <paramref name="compression"/> after <c>.tar</c> (for messages).</summary>
    public static string Describe(StreamCompression compression) => compression switch
    {
        StreamCompression.Gzip => "tar.gz",
        StreamCompression.Xz => "tar.xz",
        StreamCompression.Bzip2 => "tar.bz2",
        StreamCompression.Zstd => "tar.zst",
        _ => "tar",
    };

    /// <summary>
    /// A read-only stream of <paramref name="compressed"/>'s decompressed bytes (<paramref name="compressed"/> itself
    /// for <see cref="StreamCompression.None"/>). Disposing it disposes <paramref name="compressed"/> unless
    /// <paramref name="leaveOpen"/>. Corrupt input surfaces as <see cref="InvalidDataException"/> or
    /// <see cref="IOException"/> while reading.
    /// </summary>
    public static Stream Open(Stream compressed, StreamCompression compression, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        try
        {
            return compression switch
            {
                StreamCompression.None => compressed,
                StreamCompression.Gzip => new GZipStream(compressed, CompressionMode.Decompress, leaveOpen),
                // XZStream asks its input for Position (block padding): a forward-only input gets a counting view.
                StreamCompression.Xz => new DecompressingStream(new XZStream(compressed.CanSeek ? compressed : new PositionCountingStream(compressed)), compressed, leaveOpen),
                StreamCompression.Bzip2 => new DecompressingStream(BZip2Stream.Create(compressed, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: true), compressed, leaveOpen),
                StreamCompression.Zstd => new DecompressingStream(new DecompressionStream(compressed, leaveOpen: true), compressed, leaveOpen),
                _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown compression."),
            };
        }
        catch (Exception e) when (DecompressingStream.IsCorruption(e) && e is not ArgumentOutOfRangeException)
        {
            // bzip2 reads its first block while opening.
            throw DecompressingStream.Corrupt(e);
        }
    }
}
