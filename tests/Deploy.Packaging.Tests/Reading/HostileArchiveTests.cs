using System.Formats.Tar;
using System.IO.Compression;
using Deploy.Core.Archives;
using Deploy.Core.Errors;
using Deploy.Packaging.Reading;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Reading;

/// <summary>Archives crafted to escape the extraction root or exhaust the machine: each must be refused with
/// UnsafeArchiveEntry naming the entry, and nothing may appear outside (or at) the destination.</summary>
public class HostileArchiveTests
{
    private const int File644 = 0b110_100_100;

    private static (TarEntryType, string, int, string?, byte[]) F(string name, string content = "x", int mode = File644) => (TarEntryType.RegularFile, name, mode, null, System.Text.Encoding.UTF8.GetBytes(content));

    private static (TarEntryType, string, int, string?, byte[]) D(string name) => (TarEntryType.Directory, name, 0b111_101_101, null, []);

    private static (TarEntryType, string, int, string?, byte[]) L(string name, string target) => (TarEntryType.SymbolicLink, name, 0b111_111_111, target, []);

    private static (TarEntryType, string, int, string?, byte[]) H(string name, string target) => (TarEntryType.HardLink, name, File644, target, []);

    public static TheoryData<string, string> Cases => new()
    {
        { "absolute", "/etc/evil" },
        { "dotdot", "pkg/../../evil" },
        { "backslash", "pkg\\..\\evil" },
        { "drive", "C:/evil" },
        { "symlink-out", "pkg/link" },
        { "symlink-absolute", "pkg/abs" },
        { "symlink-via-earlier-link", "pkg/esc" },
        { "write-through-link", "pkg/l/file" },
        { "hardlink-out", "pkg/h" },
        { "hardlink-missing", "pkg/h" },
        { "chardev", "pkg/tty" },
        { "fifo", "pkg/fifo" },
        { "setuid", "pkg/su" },
        { "duplicate", "pkg/a" },
        { "case-collision", "pkg/A" },
        { "control-char", "pkg/a\u001b[31mb" },
    };

    internal static IEnumerable<(TarEntryType, string, int, string?, byte[])> Entries(string name) => name switch
    {
        "absolute" => [D("pkg/"), F("/etc/evil")],
        "dotdot" => [D("pkg/"), F("pkg/../../evil")],
        "backslash" => [D("pkg/"), F("pkg\\..\\evil")],
        "drive" => [F("C:/evil")],
        "symlink-out" => [D("pkg/"), L("pkg/link", "../../etc")],
        "symlink-absolute" => [D("pkg/"), L("pkg/abs", "/etc/passwd")],
        "symlink-via-earlier-link" => [D("pkg/"), L("pkg/up", ".."), L("pkg/esc", "up/..")],
        "write-through-link" => [D("pkg/"), D("pkg/sub/"), L("pkg/l", "sub"), F("pkg/l/file")],
        "hardlink-out" => [D("pkg/"), H("pkg/h", "../../etc/passwd")],
        "hardlink-missing" => [D("pkg/"), H("pkg/h", "pkg/nothing")],
        "chardev" => [D("pkg/"), (TarEntryType.CharacterDevice, "pkg/tty", File644, null, [])],
        "fifo" => [D("pkg/"), (TarEntryType.Fifo, "pkg/fifo", File644, null, [])],
        "setuid" => [D("pkg/"), F("pkg/su", "x", 0b100_111_101_101)],
        "duplicate" => [D("pkg/"), F("pkg/a", "1"), F("pkg/a", "2")],
        "case-collision" => [D("pkg/"), F("pkg/a"), F("pkg/A")],
        "control-char" => [D("pkg/"), F("pkg/a\u001b[31mb")],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_entry_is_refused_naming_it_and_nothing_is_extracted(string kind, string entry)
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine(kind + ".tar.gz");
        await TestPackages.WriteAllAsync(archive, Entries(kind));
        var dest = dir.Combine("sandbox", "dest");

        var act = () => new SafeExtractor().ExtractAsync(archive, dest);

        var ex = (await act.Should().ThrowAsync<DeployException>()).Which;
        ex.Code.Should().Be(DeployErrorCode.UnsafeArchiveEntry, ex.Message);
        ex.Path.Should().Be(entry.Replace("\u001b", "?", StringComparison.Ordinal));
        Directory.Exists(dest).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(dir.Combine("sandbox")).Should().BeEmpty("the private temp directory is removed");
        File.Exists(dir.Combine("evil")).Should().BeFalse();
    }

    [Fact]
    public async Task Setuid_entries_pass_when_the_limits_allow_them()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("su.tar.gz");
        await TestPackages.WriteAllAsync(archive, [D("pkg/"), F("pkg/su", "x", 0b100_111_101_101)]);

        var entries = await new SafeExtractor(new ExtractionLimits { AllowSetuid = true }).ExtractAsync(archive, dir.Combine("x"));

        entries.Single(e => e.Path == "pkg/su").Mode.Should().Be(0b100_111_101_101);
        File.GetUnixFileMode(dir.Combine("x", "pkg", "su")).Should().HaveFlag(UnixFileMode.SetUser);
    }

    [Fact]
    public async Task A_header_declaring_more_than_the_total_cap_is_refused_before_reading_data()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("bomb.tar");
        await using (var fs = File.Create(archive))
        {
            await fs.WriteAsync(TarHeaders.Ustar("pkg/huge"u8.ToArray(), TarHeaders.Regular, File644, 6L << 30, 0, []));
            await fs.WriteAsync(new byte[4096]);
        }

        var act = () => new SafeExtractor(new ExtractionLimits { MaxTotalBytes = 1L << 30 }).ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "pkg/huge" && e.Message.Contains("decompression bomb", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_payload_that_expands_beyond_the_cap_is_refused()
    {
        using var dir = new TempDirectory();
        var payload = dir.Combine("p");
        Directory.CreateDirectory(payload);
        await File.WriteAllBytesAsync(Path.Combine(payload, "zeros.bin"), new byte[4 << 20]);
        var pkg = await TestPackages.BuildAsync(TestPackages.Agent("bomb", payload), dir.Combine("out"));
        new FileInfo(pkg).Length.Should().BeLessThan(64 * 1024, "zeros compress ~1000:1");

        var act = () => new PackageReader(new PackageReadOptions { Limits = new ExtractionLimits { MaxTotalBytes = 1 << 20 } }).ExtractAsync(pkg, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "zeros.bin");
        Directory.Exists(dir.Combine("x")).Should().BeFalse();
    }

    [Fact]
    public async Task Too_many_entries_are_refused()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("many.tar.gz");
        await TestPackages.WriteAllAsync(archive, [D("pkg/"), .. Enumerable.Range(0, 20).Select(i => F($"pkg/f{i}"))]);

        var act = () => new SafeExtractor(new ExtractionLimits { MaxEntries = 10 }).ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "pkg/f9");
    }

    [Fact]
    public async Task Zip_entries_with_dotdot_are_refused()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("evil.zip");
        using (var zip = ZipFile.Open(archive, ZipArchiveMode.Create))
        {
            zip.CreateEntry("pkg/../../evil").Open().Dispose();
        }

        var act = () => new PackageReader().ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "pkg/../../evil");
    }

    [Fact]
    public async Task A_package_whose_first_file_escapes_is_refused_by_the_package_reader_too()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("pkg.tar.gz");
        await TestPackages.WriteAllAsync(archive, [D("pkg/"), L("pkg/install", "../../../bin/sh")]);

        var act = () => new PackageReader().ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "pkg/install");
    }

    [Fact]
    public async Task Safe_archives_extract_with_links_inside_the_root()
    {
        using var dir = new TempDirectory();
        var archive = dir.Combine("ok.tar.gz");
        await TestPackages.WriteAllAsync(archive, [D("pkg/"), D("pkg/sub/"), F("pkg/sub/a", "hello"), L("pkg/cur", "sub"), L("pkg/sub/up", "../sub/a"), H("pkg/hard", "pkg/sub/a")]);

        var entries = await new SafeExtractor().ExtractAsync(archive, dir.Combine("x"));

        (await File.ReadAllTextAsync(dir.Combine("x", "pkg", "cur", "a"))).Should().Be("hello");
        (await File.ReadAllTextAsync(dir.Combine("x", "pkg", "hard"))).Should().Be("hello");
        entries.Single(e => e.Path == "pkg/hard").Sha256.Should().Be(entries.Single(e => e.Path == "pkg/sub/a").Sha256);
    }

    [Fact]
    public async Task Garbage_is_reported_as_an_invalid_package()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteFile("junk.tar.gz", "");
        await File.WriteAllBytesAsync(path, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var act = () => new PackageReader().VerifyAsync(path);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.PackageInvalid);
    }
}
