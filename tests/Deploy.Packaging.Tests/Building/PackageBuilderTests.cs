using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Building;

public class PackageBuilderTests
{
    [Fact]
    public async Task Package_has_one_top_folder_with_version_payload_manifest_and_launcher()
    {
        using var dir = new TempDirectory();
        var path = await TestPackages.BuildAsync(TestPackages.Agent("agent_5.7.1.0_centos.x86_64", TestPackages.AgentPayload(dir.Path)), dir.Combine("out"));

        Path.GetFileName(path).Should().Be("agent_5.7.1.0_centos.x86_64.tar.gz");
        var entries = await TestPackages.ReadAllAsync(path);
        entries.Select(e => e.Name).Should().Equal(
            "agent_5.7.1.0_centos.x86_64/",
            "agent_5.7.1.0_centos.x86_64/install",
            "agent_5.7.1.0_centos.x86_64/manifest.json",
            "agent_5.7.1.0_centos.x86_64/package.tar.gz",
            "agent_5.7.1.0_centos.x86_64/version.json");
        entries.Single(e => e.Name.EndsWith("/install", StringComparison.Ordinal)).Mode.Should().Be(0b111_101_101);
        var manifest = PackageManifest.Parse(entries.Single(e => e.Name.EndsWith("manifest.json", StringComparison.Ordinal)).Data);
        manifest.Files.Select(f => f.Path).Should().Equal("install", "package.tar.gz", "version.json");
        manifest.Payload.Select(p => p.Path).Should().Equal("fsbackup_kernel_4.x", "fsbackup_kernel_4.x/fsbackup.ko", "tools", "tools/agent.sh", "tools/version.txt");
        manifest.Payload.Single(p => p.Path == "tools/agent.sh").Mode.Should().Be(0b111_101_101);
        manifest.Payload.Single(p => p.Path == "tools/version.txt").Sha256.Should().Be(Convert.ToHexString(SHA256.HashData("v1\n"u8)).ToLowerInvariant());
    }

    [Fact]
    public async Task Same_inputs_give_byte_identical_packages()
    {
        using var dir = new TempDirectory();
        var payload = TestPackages.AgentPayload(dir.Path);
        var a = await TestPackages.BuildAsync(TestPackages.Agent("same", payload), dir.Combine("a"));
        File.SetLastWriteTimeUtc(Path.Combine(payload, "tools", "version.txt"), new DateTime(2011, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetUnixFileMode(Path.Combine(payload, "tools", "version.txt"), (UnixFileMode)0b110_110_100);
        var b = await TestPackages.BuildAsync(TestPackages.Agent("same", payload).WithOptions(new PackageBuildOptions { Parallelism = 1 }), dir.Combine("b"));

        (await File.ReadAllBytesAsync(a)).Should().Equal(await File.ReadAllBytesAsync(b));
    }

    [Fact]
    public async Task GNU_tar_and_gunzip_read_the_multi_member_output_and_long_chinese_names_round_trip()
    {
        using var dir = new TempDirectory();
        var payload = dir.Combine("p");
        var longName = string.Join('/', Enumerable.Repeat("很长的目录名称", 8)) + "/文件 with spaces $(x) `y`.txt";
        Directory.CreateDirectory(Path.Combine(payload, Path.GetDirectoryName(longName)!));
        await File.WriteAllTextAsync(Path.Combine(payload, longName), "内容");
        var big = new byte[3 << 20];
        new Random(1).NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(payload, "random.bin"), big);
        await File.WriteAllTextAsync(Path.Combine(payload, "text.txt"), string.Concat(Enumerable.Repeat("hello world line\n", 300_000)));
        var pkg = await TestPackages.BuildAsync(TestPackages.Agent("中文包", payload).WithOptions(new PackageBuildOptions { BlockSize = 256 * 1024 }), dir.Combine("out"));

        (await TestPackages.RunAsync("gzip", "-t", pkg)).Exit.Should().Be(0);
        var x = dir.Combine("x");
        Directory.CreateDirectory(x);
        var outer = await TestPackages.RunAsync("tar", "-xzf", pkg, "-C", x);
        outer.Exit.Should().Be(0, outer.Err);
        var inner = await TestPackages.RunAsync("tar", "-xzf", Path.Combine(x, "中文包", "package.tar.gz"), "-C", x);
        inner.Exit.Should().Be(0, inner.Err);
        (await File.ReadAllTextAsync(Path.Combine(x, longName))).Should().Be("内容");
        (await File.ReadAllBytesAsync(Path.Combine(x, "random.bin"))).Should().Equal(big);
    }

    [Fact]
    public async Task Build_from_a_build_py_folder_with_package_tar_gz_keeps_the_payload_byte_for_byte()
    {
        using var dir = new TempDirectory();
        var src = dir.Combine("src");
        Directory.CreateDirectory(src);
        var payload = await TestPackages.TarGzAsync(("aio-5.7.1.0-1_1.el7.x86_64.rpm", "not really an rpm"));
        await File.WriteAllBytesAsync(Path.Combine(src, "package.tar.gz"), payload);
        await File.WriteAllTextAsync(Path.Combine(src, "version.json"), """
            {
                "package_name": "rdb_server_5.7.1.0_centos.x86_64",
                "package_type": "install_rdb_server",
                "os_release": "bclinux,centos",
                "_os_release": "注释"
            }
            """);

        var builder = await PackageBuilder.FromDirectoryAsync(src);
        var result = await builder.BuildToDirectoryAsync(dir.Combine("out"));

        var entries = await TestPackages.ReadAllAsync(result.OutputPath!);
        entries.Single(e => e.Name.EndsWith("package.tar.gz", StringComparison.Ordinal)).Data.Should().Equal(payload);
        System.Text.Encoding.UTF8.GetString(entries.Single(e => e.Name.EndsWith("version.json", StringComparison.Ordinal)).Data).Should().Contain("\"_os_release\": \"注释\"");
        result.Manifest.Payload.Single().Path.Should().Be("aio-5.7.1.0-1_1.el7.x86_64.rpm");
    }

    [Fact]
    public async Task A_build_folder_without_payload_is_rejected()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("version.json", """{"package_name": "a", "package_type": "install_rdb_agent", "os_release": "centos"}""");

        var act = () => PackageBuilder.FromDirectoryAsync(dir.Path);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.InvalidConfiguration);
    }

    [Fact]
    public async Task A_payload_folder_with_a_link_escaping_it_is_refused_at_build_time()
    {
        using var dir = new TempDirectory();
        var payload = TestPackages.AgentPayload(dir.Path);
        File.CreateSymbolicLink(Path.Combine(payload, "tools", "passwd"), "../../../../etc/passwd");

        var act = () => TestPackages.BuildAsync(TestPackages.Agent("bad", payload), dir.Combine("out"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "tools/passwd");
        Directory.EnumerateFiles(dir.Combine("out")).Should().BeEmpty("a failed build leaves no partial output");
    }

    [Fact]
    public async Task A_fifo_in_the_payload_folder_is_refused_not_waited_on()
    {
        using var dir = new TempDirectory();
        var payload = TestPackages.AgentPayload(dir.Path);
        (await TestPackages.RunAsync("mkfifo", Path.Combine(payload, "tools", "pipe"))).Exit.Should().Be(0);

        var act = () => TestPackages.BuildAsync(TestPackages.Agent("fifo", payload), dir.Combine("out"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.InvalidArgument && e.Message.Contains("tools/pipe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Built_package_verifies_and_its_symlinks_inside_the_payload_are_kept()
    {
        using var dir = new TempDirectory();
        var payload = TestPackages.AgentPayload(dir.Path);
        File.CreateSymbolicLink(Path.Combine(payload, "tools", "latest"), "agent.sh");
        var pkg = await TestPackages.BuildAsync(TestPackages.Agent("links", payload), dir.Combine("out"));

        var verified = await new PackageReader().ExtractAsync(pkg, dir.Combine("x"));

        new FileInfo(Path.Combine(verified.PayloadDirectory!, "tools", "latest")).LinkTarget.Should().Be("agent.sh");
        verified.Manifest.Payload.Should().Contain(e => e.Path == "tools/latest" && e.Kind == ManifestEntryKind.Symlink);
    }
}
