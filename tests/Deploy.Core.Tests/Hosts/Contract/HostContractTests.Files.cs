using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>The file and process operations of the <see cref="IHost"/> contract.</summary>
public abstract partial class HostContractTests
{
    [Theory]
    [MemberData(nameof(HostileNames.FileNames), MemberType = typeof(HostileNames))]
    public async Task Every_file_operation_round_trips_a_hostile_name(string name)
    {
        var dir = Root + "/" + name;
        var file = dir + "/" + name + ".txt";
        await Host.CreateDirectoryAsync(dir);
        await Host.WriteAllTextAsync(file, "内容 " + name);
        (await Host.ReadAllTextAsync(file)).Should().Be("内容 " + name);
        File.ReadAllText(OnMachine(file)).Should().Be("内容 " + name);

        var stat = await Host.StatAsync(file);
        stat!.Kind.Should().Be(FileKind.File);
        stat.Size.Should().Be(Encoding.UTF8.GetByteCount("内容 " + name));

        await Host.SetModeAsync(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        (await Host.StatAsync(file))!.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserExecute);
        await Host.SetOwnerAsync(file, "root", "root");

        await Host.CreateSymlinkAsync(dir + "/link", name + ".txt");
        (await Host.StatAsync(dir + "/link"))!.LinkTarget.Should().Be(name + ".txt");

        var tree = await Host.ListTreeAsync(dir);
        tree.Select(e => e.Path).Should().BeEquivalentTo([name + ".txt", "link"]);

        await Host.MoveAsync(file, dir + "/moved " + name);
        (await Host.ExistsAsync(file)).Should().BeFalse();
        (await Host.ExistsAsync(dir + "/moved " + name)).Should().BeTrue();

        await Host.UploadAsync([new FileUpload(Local.WriteFile("src.bin", "up " + name), dir + "/up " + name)]);
        File.ReadAllText(OnMachine(dir + "/up " + name)).Should().Be("up " + name);

        await Host.RemoveAsync(dir, recursive: true);
        (await Host.ExistsAsync(dir)).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(Scratch.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
        File.Exists("/root/pwned").Should().BeFalse();
    }

    [Fact]
    public async Task Tree_listing_reports_kinds_sizes_modes_links_and_full_precision_times_in_one_call()
    {
        var root = OnMachine(Root + "/tree");
        Directory.CreateDirectory(root + "/sub/深");
        File.WriteAllText(root + "/sub/深/a.txt", "12345");
        File.WriteAllText(root + "/new\nline", "");
        File.CreateSymbolicLink(root + "/sub/ln", "../target with space");
        File.SetUnixFileMode(root + "/sub/深/a.txt", (UnixFileMode)Convert.ToInt32("4750", 8));
        var mtime = new DateTime(2024, 2, 29, 12, 34, 56, DateTimeKind.Utc).AddTicks(1234567);
        File.SetLastWriteTimeUtc(root + "/sub/深/a.txt", mtime);

        var tree = (await Host.ListTreeAsync(Root + "/tree")).ToDictionary(e => e.Path);

        tree.Keys.Should().BeEquivalentTo(["sub", "sub/深", "sub/深/a.txt", "sub/ln", "new\nline"]);
        tree["sub"].Kind.Should().Be(FileKind.Directory);
        tree["sub/深/a.txt"].Should().Be(new RemoteFileInfo("sub/深/a.txt", FileKind.File, 5, new DateTimeOffset(mtime), (UnixFileMode)Convert.ToInt32("4750", 8)));
        tree["sub/ln"].Kind.Should().Be(FileKind.Symlink);
        tree["sub/ln"].LinkTarget.Should().Be("../target with space");
        tree["new\nline"].Size.Should().Be(0);
        (await Host.ListTreeAsync(Root + "/absent")).Should().BeEmpty();
    }

    [Fact]
    public async Task Stat_of_an_absent_path_is_null_and_reading_it_is_a_typed_error_naming_the_path()
    {
        (await Host.StatAsync(Root + "/nope")).Should().BeNull();

        var act = () => Host.OpenReadAsync(Root + "/nope");
        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.RemotePathNotFound);
        e.Path.Should().Be(Root + "/nope");
    }

    [Fact]
    public async Task Reading_streams_large_binary_files_exactly_and_empty_files_as_empty()
    {
        var bytes = new byte[5_000_000];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(OnMachine(Root + "/big.bin"), bytes);
        await File.WriteAllBytesAsync(OnMachine(Root + "/empty"), []);

        (await Host.ReadAllBytesAsync(Root + "/big.bin")).Should().Equal(bytes);
        (await Host.ReadAllBytesAsync(Root + "/empty")).Should().BeEmpty();
    }

    [Fact]
    public async Task Small_files_round_trip_byte_exactly_on_either_side_of_the_inline_limits()
    {
        // SSH hosts write small text as an argument and read files up to 64 KiB through a session: every kind of
        // content must come back exactly, whichever path it took.
        var rng = new Random(7);
        byte[] Binary(int n)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            return b;
        }

        var cases = new Dictionary<string, byte[]>
        {
            ["text"] = Encoding.UTF8.GetBytes("{\n  \"a\": 'quoted' $HOME `x` \\ \r\n内容\n\n"),
            ["nul"] = [(byte)'a', 0, (byte)'b', (byte)'\n'],
            ["invalid-utf8"] = [0xff, 0xfe, (byte)'x', 0xc3],
            ["text-at-16k"] = Encoding.UTF8.GetBytes(new string('x', 16 * 1024)),
            ["text-over-16k"] = Encoding.UTF8.GetBytes(new string('y', (16 * 1024) + 1)),
            ["binary-at-64k"] = Binary(64 * 1024),
            ["binary-over-64k"] = Binary((64 * 1024) + 1),
            ["one-newline"] = [(byte)'\n'],
        };
        foreach (var (name, bytes) in cases)
        {
            await Host.WriteAllBytesAsync(Root + "/small/" + name, bytes);
            File.ReadAllBytes(OnMachine(Root + "/small/" + name)).Should().Equal(bytes, name);
            (await Host.ReadAllBytesAsync(Root + "/small/" + name)).Should().Equal(bytes, name);
        }

        Directory.GetFiles(OnMachine(Root + "/small")).Should().HaveCount(cases.Count, "no temp file is left beside the destinations");
        var directory = () => Host.ReadAllBytesAsync(Root + "/small");
        (await directory.Should().ThrowAsync<DeployException>()).Which.Code.Should().NotBe(DeployErrorCode.RemotePathNotFound);
    }

    [Fact]
    public async Task Write_is_atomic_keeps_the_existing_mode_and_sets_mode_and_time_when_asked()
    {
        var path = Root + "/etc/app.conf";
        await Host.WriteAllTextAsync(path, "v1");
        File.SetUnixFileMode(OnMachine(path), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await Host.WriteAllTextAsync(path, "v2");
        File.ReadAllText(OnMachine(path)).Should().Be("v2");
        File.GetUnixFileMode(OnMachine(path)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "an overwrite keeps the mode");

        var when = new DateTimeOffset(2023, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(9876543);
        await Host.WriteAllTextAsync(path, "v3", new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserExecute, ModifiedTime = when });
        File.GetUnixFileMode(OnMachine(path)).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserExecute);
        new DateTimeOffset(File.GetLastWriteTimeUtc(OnMachine(path))).Should().Be(when);
        Directory.GetFiles(OnMachine(Root + "/etc")).Should().ContainSingle("no temp file is left beside the destination");
    }

    [Fact]
    public async Task Write_accepts_a_non_seekable_stream()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('é', 100_000));
        using var pipe = new NonSeekableStream(bytes);

        await Host.WriteFileAsync(Root + "/piped", pipe);

        File.ReadAllBytes(OnMachine(Root + "/piped")).Should().Equal(bytes);
    }

    [Fact]
    public async Task Move_refuses_to_replace_unless_asked()
    {
        await File.WriteAllTextAsync(OnMachine(Root + "/a"), "a");
        await File.WriteAllTextAsync(OnMachine(Root + "/b"), "b");

        var act = () => Host.MoveAsync(Root + "/a", Root + "/b");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemoteIoFailed);
        await Host.MoveAsync(Root + "/a", Root + "/b", overwrite: true);
        File.ReadAllText(OnMachine(Root + "/b")).Should().Be("a");

        var missing = () => Host.MoveAsync(Root + "/gone", Root + "/c");
        (await missing.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemotePathNotFound);
    }

    [Fact]
    public async Task Remove_of_a_non_empty_directory_needs_recursive_and_absent_paths_are_fine()
    {
        Directory.CreateDirectory(OnMachine(Root + "/d/e"));

        var act = () => Host.RemoveAsync(Root + "/d");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemoteIoFailed);
        await Host.RemoveAsync(Root + "/d", recursive: true);
        Directory.Exists(OnMachine(Root + "/d")).Should().BeFalse();
        await Host.RemoveAsync(Root + "/d");
    }

    [Fact]
    public async Task A_symlink_to_a_directory_is_switched_atomically_to_another_directory()
    {
        await Host.CreateDirectoryAsync(Root + "/app/releases/1");
        await Host.CreateDirectoryAsync(Root + "/app/releases/2");
        await Host.CreateSymlinkAsync(Root + "/app/current", "releases/1");

        await Host.CreateSymlinkAsync(Root + "/app/current", "releases/2");

        (await Host.StatAsync(Root + "/app/current"))!.LinkTarget.Should().Be("releases/2");
        Directory.Exists(OnMachine(Root + "/app/releases/1/2")).Should().BeFalse("the new link must not land inside the old target");
    }

    [Fact]
    public async Task Create_directory_sets_the_mode()
    {
        await Host.CreateDirectoryAsync(Root + "/x/y", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        File.GetUnixFileMode(OnMachine(Root + "/x/y")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task Os_release_is_read_and_parsed()
    {
        var machine = OsRelease.Parse(File.ReadAllText("/etc/os-release"));

        var os = await Host.GetOsReleaseAsync();

        os.Id.Should().Be(machine.Id).And.NotBe("linux");
        os.VersionId.Should().Be(machine.VersionId);
    }

    [Fact]
    public async Task Processes_are_found_by_name_command_line_and_pid_file()
    {
        var tag = "contract-proc-" + Guid.NewGuid().ToString("N")[..8];
        using var sleeper = System.Diagnostics.Process.Start("bash", ["-c", $"exec -a '{tag} x' sleep 30"])!;
        try
        {
            await Host.WriteAllTextAsync(Root + "/app.pid", sleeper.Id + "\n");
            await Task.Delay(200);

            (await Host.FindProcessesAsync(ProcessQuery.ByCommandLine(tag + " x"))).Should().ContainSingle().Which.Pid.Should().Be(sleeper.Id);
            (await Host.FindProcessesAsync(ProcessQuery.ByName("sleep"))).Select(p => p.Pid).Should().Contain(sleeper.Id);
            (await Host.FindProcessesAsync(ProcessQuery.ByPidFile(Root + "/app.pid"))).Should().ContainSingle().Which.CommandLine.Should().Be(tag + " x 30");
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }

        (await Host.FindProcessesAsync(ProcessQuery.ByPidFile(Root + "/app.pid"))).Should().BeEmpty();
        (await Host.FindProcessesAsync(ProcessQuery.ByPidFile(Root + "/no.pid"))).Should().BeEmpty();
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
