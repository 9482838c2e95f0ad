using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Docker.Archives;
using Deploy.Testing;

namespace Deploy.Docker.Tests.Archives;

public class ImageArchiveTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Real_docker_save_archives_are_read_plain_and_gzipped_without_loading()
    {
        using var images = new DockerImages();
        var reference = $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}";
        var id = images.Import(reference);
        var plain = images.Save(reference, "web.tar", removeAfter: false);
        var gz = images.Save(reference, "web.tar.gz", removeAfter: true);

        foreach (var (path, compressed) in new[] { (plain, false), (gz, true) })
        {
            var archive = await ImageArchive.ReadAsync(path);
            archive.Compressed.Should().Be(compressed);
            archive.Layout.Should().Be(ImageArchiveLayout.DockerLegacy);
            var image = archive.Images.Should().ContainSingle().Subject;
            image.Tags.Select(t => t.ToString()).Should().Equal(reference);
            image.ImageId.Should().Be(id);
            image.LayerCount.Should().Be(1);
            image.Size.Should().BeGreaterThan(1_000_000, "the busybox layer is in it");
        }

        DockerImages.Run("docker", "images", "-q", reference).Trim().Should().BeEmpty("reading never loads");
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Real_docker_save_archives_compressed_with_xz_bzip2_and_zstd_are_read_without_loading()
    {
        using var images = new DockerImages();
        var reference = $"encoo/console-web-v4-pvt:4.1.9-{images.Id}";
        var id = images.Import(reference);
        var plain = images.Save(reference, "web.tar", removeAfter: true);

        foreach (var (suffix, tool, compression) in new[] { ("xz", "xz -T1 -c", Deploy.Core.Archives.StreamCompression.Xz), ("bz2", "bzip2 -c", Deploy.Core.Archives.StreamCompression.Bzip2), ("zst", "zstd -q -c", Deploy.Core.Archives.StreamCompression.Zstd) })
        {
            var path = images.Temp.Combine("web.tar." + suffix);
            DockerImages.Run("/bin/sh", "-c", tool + " < \"$1\" > \"$2\"", "sh", plain, path);

            var archive = await ImageArchive.ReadAsync(path);

            archive.Compression.Should().Be(compression);
            archive.Compressed.Should().BeTrue();
            archive.Images.Should().ContainSingle().Which.ImageId.Should().Be(id);
        }
    }

    [Fact]
    public async Task A_truncated_xz_image_archive_is_an_archive_error_naming_the_format()
    {
        using var temp = new TempDirectory();
        var tar = temp.Combine("x.tar");
        await File.WriteAllBytesAsync(tar, System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000));
        var xz = temp.Combine("x.tar.xz");
        DockerImages.Run("/bin/sh", "-c", "xz -T1 -c < \"$1\" | head -c 100000 > \"$2\"", "sh", tar, xz);

        var act = () => ImageArchive.ReadAsync(xz);

        var error = (await act.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.ImageArchiveInvalid);
        error.Message.Should().Contain("tar.xz");
    }

    [Fact]
    public async Task Oci_layout_archive_is_read_from_index_and_blobs()
    {
        using var temp = new TempDirectory();
        var layer = RandomNumberGenerator.GetBytes(5000);
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var manifest = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest(config) + "\",\"size\":" + config.Length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest(layer) + "\",\"size\":5000}]}");
        var index = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + Digest(manifest) + "\",\"size\":" + manifest.Length + ",\"annotations\":{\"io.containerd.image.name\":\"docker.io/encoo/vicode-service:2.4.0\",\"org.opencontainers.image.ref.name\":\"2.4.0\"}}]}");
        var path = temp.Combine("oci.tar.gz");
        await using (var file = File.Create(path))
        await using (var gz = new GZipStream(file, CompressionLevel.Fastest))
        await using (var tar = new TarWriter(gz))
        {
            Add(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
            Add(tar, "index.json", index);
            Add(tar, BlobPath(layer), layer);
            Add(tar, BlobPath(config), config);
            Add(tar, BlobPath(manifest), manifest);
        }

        var archive = await ImageArchive.ReadAsync(path);

        archive.Layout.Should().Be(ImageArchiveLayout.Oci);
        archive.Compressed.Should().BeTrue();
        var image = archive.Images.Should().ContainSingle().Subject;
        image.Tags.Single().SameRepository("encoo/vicode-service").Should().BeTrue();
        image.Tags.Single().Tag.Should().Be("2.4.0");
        image.ImageId.Should().Be(Digest(config));
        image.LayerCount.Should().Be(1);
        image.Size.Should().Be(5000);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "not-a-tar", Encoding.UTF8.GetBytes(new string('x', 2000)) },
        { "truncated-gzip", new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02 } },
        { "tar-without-manifest", TarOf(("hello.txt", "hi"u8.ToArray())) },
        { "manifest-bad-json", TarOf(("manifest.json", "[{"u8.ToArray())) },
        { "manifest-missing-layer", TarOf(("manifest.json", """[{"Config":"abc.json","RepoTags":["encoo/x:1"],"Layers":["l/layer.tar"]}]"""u8.ToArray()), ("abc.json", "{}"u8.ToArray())) },
        { "manifest-missing-config", TarOf(("manifest.json", """[{"Config":"abc.json","RepoTags":["encoo/x:1"],"Layers":[]}]"""u8.ToArray())) },
        { "oci-missing-blob", TarOf(("index.json", Encoding.UTF8.GetBytes($$"""{"manifests":[{"digest":"sha256:{{new string('a', 64)}}"}]}"""))) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_archives_give_a_typed_error_naming_the_archive(string name, byte[] bytes)
    {
        using var temp = new TempDirectory();
        var path = temp.Combine(name + ".tar");
        await File.WriteAllBytesAsync(path, bytes);

        var act = () => ImageArchive.ReadAsync(path);

        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.ImageArchiveInvalid && e.Path == path);
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string BlobPath(byte[] bytes) => "blobs/sha256/" + Digest(bytes)[7..];

    private static void Add(TarWriter tar, string name, byte[] data)
        => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });

    private static byte[] TarOf(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, leaveOpen: true))
        {
            foreach (var (n, d) in entries)
            {
                Add(tar, n, d);
            }
        }

        return ms.ToArray();
    }
}
