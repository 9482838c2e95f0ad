using System.Buffers.Binary;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The split form of an <see cref="UploadStream"/>: two tar archives sent at once through one channel, which
/// <c>host-upload-split.pl</c> feeds to two <c>tar -x</c> on the target. A large first upload waits on creating
/// files at the target (on a disk whose journal makes each create wait, most of its time); two creators take a
/// little more than half as long. Everything else is as in one stream: the same layout and temp paths, one
/// manifest, one commit mark (the <c>done</c> entry, last in stream 0, sent after stream 1 has ended), one
/// placement.
/// </summary>
/// <remarks>
/// A frame is a tag byte and a 32-bit big-endian length, then that many bytes: <c>L</c> the manifest (first, once;
/// the script writes it before any file is created), <c>0</c> and <c>1</c> the next bytes of tar stream 0 or 1,
/// <c>E</c> the end (empty). A stream cut before <c>E</c> places nothing.
/// </remarks>
internal static class UploadFrames
{
    /// <summary>The fewest files an upload is split for: below it, starting perl and a second tar (a few ms) outweighs a second creator.</summary>
    public const int SplitFrom = 500;

    /// <summary>The largest data frame: each tar stream's writer buffers this much before it sends a frame.</summary>
    public const int FrameBytes = 256 * 1024;

    /// <summary>The upload script's exit status when a split stream reaches a host without perl: it read and created nothing.</summary>
    public const int SplitRefused = 6;

    /// <summary>Writes one whole frame of <paramref name="tag"/> holding <paramref name="data"/>.</summary>
    public static void Write(Stream output, char tag, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = (byte)tag;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)data.Length);
        output.Write(header);
        output.Write(data);
    }

    /// <summary>The write side of tar stream <paramref name="stream"/> (0 or 1): every write becomes one frame.</summary>
    public static Stream Tar(Stream output, int stream) => new FramingStream(output, (char)('0' + stream));

    private sealed class FramingStream(Stream output, char tag) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!buffer.IsEmpty)
            {
                UploadFrames.Write(output, tag, buffer);
            }
        }

        public override void Flush() => output.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
