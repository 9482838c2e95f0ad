using System.Text;
using Deploy.Core.Errors;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests.Model;

public class PackageManifestTests
{
    private static readonly string Sha = new('a', 64);

    private static readonly PackageManifest Sample = new(
        "pkg",
        [
            new ManifestEntry("install", ManifestEntryKind.File, 12, Sha, 0b111_101_101),
            new ManifestEntry("version.json", ManifestEntryKind.File, 3, new string('0', 64), 0b110_100_100),
        ],
        [
            new ManifestEntry("bin", ManifestEntryKind.Directory, 0, "", 0b111_101_101),
            new ManifestEntry("bin/tool", ManifestEntryKind.File, 1 << 20, Sha, 0b111_101_101),
            new ManifestEntry("bin/tool-link", ManifestEntryKind.Symlink, 0, "", 0b111_111_111, "tool"),
            new ManifestEntry("文档/说明 \"quoted\".txt", ManifestEntryKind.File, 0, Sha, 0b110_100_100),
        ]);

    private static DeployException ParseFails(string json)
        => FluentActions.Invoking(() => PackageManifest.Parse(Encoding.UTF8.GetBytes(json))).Should().Throw<DeployException>().Which;

    [Fact]
    public void A_written_manifest_reads_back_entry_for_entry()
    {
        var back = PackageManifest.Parse(Sample.ToUtf8Bytes());

        back.PackageName.Should().Be("pkg");
        back.Format.Should().Be(1);
        back.Files.Should().Equal(Sample.Files);
        back.Payload.Should().Equal(Sample.Payload.OrderBy(e => e.Path, StringComparer.Ordinal));
        back.ToUtf8Bytes().Should().Equal(Sample.ToUtf8Bytes());
    }

    [Fact]
    public void A_manifest_of_many_files_spanning_several_buffer_chunks_reads_back_whole()
    {
        var payload = Enumerable.Range(0, 5000)
            .Select(i => new ManifestEntry($"src/module{i / 100:D3}/{new string('x', i % 300)}file{i:D5}.py", ManifestEntryKind.File, i, Sha, 0b110_100_100))
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .ToArray();
        var manifest = new PackageManifest("pkg", Sample.Files, payload);

        var bytes = manifest.ToUtf8Bytes();
        var back = PackageManifest.Parse(bytes);

        bytes.Length.Should().BeGreaterThan(1 << 20);
        back.Payload.Should().Equal(payload);
        System.Text.Json.JsonDocument.Parse(bytes).RootElement.GetProperty("payload").GetArrayLength().Should().Be(5000);
    }

    [Fact]
    public void Unknown_properties_are_ignored_and_key_order_does_not_matter()
    {
        var json = $$"""
            {"payload": [{"extra": {"nested": [1, 2]}, "mode": "0644", "sha256": "{{Sha}}", "size": 5, "kind": "file", "path": "a"}],
             "comment": "x", "files": [], "package_name": "pkg", "format": 1}
            """;

        var m = PackageManifest.Parse(Encoding.UTF8.GetBytes(json));

        m.Payload.Should().Equal(new ManifestEntry("a", ManifestEntryKind.File, 5, Sha, 0b110_100_100));
        m.Files.Should().BeEmpty();
    }

    [Fact]
    public void Another_format_is_reported_as_such_even_when_the_rest_differs()
    {
        var e = ParseFails("""{"format": 2, "package_name": "pkg", "files": "not an array"}""");

        e.Code.Should().Be(DeployErrorCode.PackageInvalid);
        e.Message.Should().Contain("format 2");
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": []}""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": []} trailing""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": [{"path": "a", "kind": "fifo", "size": 0, "mode": "0644"}]}""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": [{"path": "a", "kind": "file", "size": 1, "mode": "0644", "sha256": "ABC"}]}""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": [{"path": "a", "kind": "dir", "mode": "0755"}]}""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": [{"path": "a", "kind": "dir", "size": "0", "mode": "0755"}]}""")]
    [InlineData("""{"format": 1, "package_name": "pkg", "files": [], "payload": [1]}""")]
    [InlineData("""{"format": "1", "package_name": "pkg", "files": [], "payload": []}""")]
    public void Malformed_manifests_are_package_invalid(string json)
    {
        var e = ParseFails(json);

        e.Code.Should().Be(DeployErrorCode.PackageInvalid);
        e.Message.Should().StartWith("manifest.json is malformed: ");
        e.Path.Should().Be(PackageManifest.FileName);
    }
}
