using System.IO.Compression;
using Deploy.Core.Archives;

namespace Deploy.Core.Tests.Archives;

public class DecompressionTests
{
    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0 }, StreamCompression.Gzip)]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, StreamCompression.Xz)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9', 0x31, 0x41 }, StreamCompression.Bzip2)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0, 0 }, StreamCompression.Zstd)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'0' }, StreamCompression.None)]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a }, StreamCompression.None)]
    [InlineData(new byte[] { (byte)'p', (byte)'k', (byte)'g', (byte)'/' }, StreamCompression.None)]
    [InlineData(new byte[0], StreamCompression.None)]
    public void Detect_tells_the_format_from_its_magic_bytes(byte[] head, StreamCompression expected)
        => Decompression.Detect(head).Should().Be(expected);

    [Fact]
    public async Task Gzip_opens_through_the_bcl_and_round_trips()
    {
        using var compressed = new MemoryStream();
        await using (var gz = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gz.WriteAsync("hello 你好"u8.ToArray());
        }

        compressed.Position = 0;
        await using var plain = Decompression.Open(compressed, Decompression.Detect(compressed.ToArray()));
        using var reader = new StreamReader(plain);
        (await reader.ReadToEndAsync()).Should().Be("hello 你好");
    }

    [Fact]
    public void Garbage_after_a_zstd_magic_reads_as_invalid_data()
    {
        var bytes = new byte[] { 0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };
        var act = () =>
        {
            using var s = Decompression.Open(new MemoryStream(bytes), StreamCompression.Zstd);
            s.CopyTo(Stream.Null);
        };
        act.Should().Throw<InvalidDataException>();
    }
}
