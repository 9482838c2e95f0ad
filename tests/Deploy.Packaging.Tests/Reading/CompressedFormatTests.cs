using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Deploy.Core.Errors;
using Deploy.Packaging.Building;
using Deploy.Packaging.Reading;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Reading;

/// <summary>
/// tar.xz, tar.bz2 and tar.zst (read with SharpCompress) go through the same hostile-archive guard as tar.gz: every
/// hostile case is refused naming its entry; safe archives extract; corrupt ones are invalid packages. Each archive is
/// compressed here by the real xz, bzip2 and zstd programs.
/// </summary>
public class CompressedFormatTests
{
    private const int File644 = 0b110_100_100;

    public static TheoryData<string> Formats => new() { "xz", "bz2", "zst" };

    public static TheoryData<string, string, string> HostileCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var format in new[] { "xz", "bz2", "zst" })
        {
            foreach (var row in HostileArchiveTests.Cases)
            {
                data.Add(format, (string)row[0], (string)row[1]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task Hostile_entry_in_a_compressed_tar_is_refused_naming_it(string format, string kind, string entry)
    {
        using var dir = new TempDirectory();
        var archive = await CompressAsync(dir, kind, format, HostileArchiveTests.Entries(kind));
        var dest = dir.Combine("sandbox", "dest");

        var act = () => new SafeExtractor().ExtractAsync(archive, dest);

        var ex = (await act.Should().ThrowAsync<DeployException>()).Which;
        ex.Code.Should().Be(DeployErrorCode.UnsafeArchiveEntry, ex.Message);
        ex.Path.Should().Be(entry.Replace("\u001b", "?", StringComparison.Ordinal));
        Directory.Exists(dest).Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Safe_compressed_tar_extracts_with_its_links(string format)
    {
        using var dir = new TempDirectory();
        var archive = await CompressAsync(dir, "ok", format,
        [
            (TarEntryType.Directory, "pkg/", 0b111_101_101, null, []),
            (TarEntryType.RegularFile, "pkg/a.txt", File644, null, "héllo 你好"u8.ToArray()),
            (TarEntryType.SymbolicLink, "pkg/link", 0b111_111_111, "a.txt", []),
        ]);

        var entries = await new SafeExtractor().ExtractAsync(archive, dir.Combine("x"));

        (await File.ReadAllTextAsync(dir.Combine("x", "pkg", "link"))).Should().Be("héllo 你好");
        entries.Select(e => e.Path).Should().BeEquivalentTo(["pkg", "pkg/a.txt", "pkg/link"]);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_compressed_bomb_is_refused_at_the_total_cap(string format)
    {
        using var dir = new TempDirectory();
        var archive = await CompressAsync(dir, "bomb", format, [(TarEntryType.RegularFile, "pkg/zeros", File644, null, new byte[8 << 20])]);
        new FileInfo(archive).Length.Should().BeLessThan(64 * 1024, "zeros compress well");

        var act = () => new SafeExtractor(new ExtractionLimits { MaxTotalBytes = 1 << 20 }).ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "pkg/zeros");
        Directory.Exists(dir.Combine("x")).Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task A_truncated_compressed_tar_is_an_invalid_package_not_a_crash(string format)
    {
        using var dir = new TempDirectory();
        var random = new byte[256 * 1024];
        new Random(7).NextBytes(random);
        var archive = await CompressAsync(dir, "cut", format, [(TarEntryType.RegularFile, "pkg/r", File644, null, random)]);
        var bytes = await File.ReadAllBytesAsync(archive);
        await File.WriteAllBytesAsync(archive, bytes[..(bytes.Length / 2)]);

        var act = () => new SafeExtractor().ExtractAsync(archive, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.PackageInvalid || e.Code == DeployErrorCode.UnsafeArchiveEntry);
        Directory.Exists(dir.Combine("x")).Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Builder_takes_a_compressed_payload_and_ships_the_same_tar_bytes_as_package_tar_gz(string format)
    {
        using var dir = new TempDirectory();
        var build = dir.Combine("build");
        Directory.CreateDirectory(build);
        await File.WriteAllTextAsync(Path.Combine(build, "version.json"), """{"package_name": "rdb-agent", "package_type": "install_rdb_agent", "os_release": "debian,centos"}""");
        var plainTar = await TarAsync(
        [
            (TarEntryType.Directory, "agent/", 0b111_101_101, null, []),
            (TarEntryType.RegularFile, "agent/run.sh", 0b111_101_101, null, "#!/bin/sh\necho run\n"u8.ToArray()),
        ]);
        var payload = Path.Combine(build, "package.tar." + format);
        await CompressFileAsync(plainTar, payload, format);

        var result = await (await PackageBuilder.FromDirectoryAsync(build)).BuildToDirectoryAsync(dir.Combine("out"));

        var shipped = await ShippedPayloadAsync(result.OutputPath!, "rdb-agent/package.tar.gz");
        shipped.Should().Equal(plainTar, "the payload's tar bytes travel unchanged, re-compressed as gzip");
        var extracted = await new PackageReader().ExtractAsync(result.OutputPath!, dir.Combine("x"));
        (await File.ReadAllTextAsync(Path.Combine(extracted.PayloadDirectory!, "agent", "run.sh"))).Should().Contain("echo run");
    }

    private static async Task<byte[]> ShippedPayloadAsync(string package, string entryName)
    {
        await using var outer = new GZipStream(File.OpenRead(package), CompressionMode.Decompress);
        await using var tar = new TarReader(outer);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            if (entry.Name == entryName)
            {
                await using var gz = new GZipStream(entry.DataStream!, CompressionMode.Decompress);
                using var copy = new MemoryStream();
                await gz.CopyToAsync(copy);
                return copy.ToArray();
            }
        }

        throw new InvalidOperationException(entryName + " is not in the package");
    }

    [Fact]
    public async Task Two_payload_archives_in_one_build_folder_are_refused_naming_both()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.Combine("version.json"), """{"package_name": "rdb-agent", "package_type": "install_rdb_agent", "os_release": "debian,centos"}""");
        await File.WriteAllBytesAsync(dir.Combine("package.tar.gz"), [1]);
        await File.WriteAllBytesAsync(dir.Combine("package.tar.xz"), [1]);

        var act = () => PackageBuilder.FromDirectoryAsync(dir.Path);

        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("package.tar.gz").And.Contain("package.tar.xz");
    }

    private static async Task<string> CompressAsync(TempDirectory dir, string name, string format, IEnumerable<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)> entries)
    {
        var path = dir.Combine(name + ".tar." + format);
        await CompressFileAsync(await TarAsync(entries), path, format);
        return path;
    }

    private static async Task<byte[]> TarAsync(IEnumerable<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)> entries)
    {
        using var ms = new MemoryStream();
        await using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (type, name, mode, link, data) in entries)
            {
                var e = new PaxTarEntry(type, name) { Mode = (UnixFileMode)mode };
                if (link is not null)
                {
                    e.LinkName = link;
                }

                if (type is TarEntryType.RegularFile)
                {
                    e.DataStream = new MemoryStream(data);
                }

                await writer.WriteEntryAsync(e);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Compresses with the real tool: <c>xz</c>, <c>bzip2</c> or <c>zstd</c>.</summary>
    private static async Task CompressFileAsync(byte[] plain, string destination, string format)
    {
        var argv = format switch
        {
            "xz" => new[] { "xz", "-c", "-T1" },
            "bz2" => ["bzip2", "-c"],
            "zst" => ["zstd", "-q", "-c"],
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = File.Create(destination);
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        await p.StandardInput.BaseStream.WriteAsync(plain);
        p.StandardInput.Close();
        await copy;
        await output.DisposeAsync();
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0, $"{argv[0]} compresses the test archive");
    }
}
