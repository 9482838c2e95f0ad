using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>The sshd runs on this machine, so "remote" paths are checked with local file APIs.</summary>
[Trait("Category", "Integration")]
public sealed class SshHostFileTests : IClassFixture<SshServerFixture>, IAsyncLifetime
{
    private readonly SshServer _server;
    private readonly TempDirectory _remote = new("ssh-files");
    private readonly TempDirectory _local = new("ssh-local");
    private SshHost _host = null!;

    public SshHostFileTests(SshServerFixture fixture) => _server = fixture.Server;

    public Task InitializeAsync()
    {
        _host = _server.CreateHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _remote.Dispose();
        _local.Dispose();
    }

    [Theory]
    [MemberData(nameof(HostileNames.FileNames), MemberType = typeof(HostileNames))]
    public async Task Every_file_operation_round_trips_a_hostile_name(string name)
    {
        var dir = _remote.Path + "/" + name;
        var file = dir + "/" + name + ".txt";
        await _host.CreateDirectoryAsync(dir);
        await _host.WriteAllTextAsync(file, "内容 " + name);
        (await _host.ReadAllTextAsync(file)).Should().Be("内容 " + name);
        File.ReadAllText(file).Should().Be("内容 " + name);

        var stat = await _host.StatAsync(file);
        stat!.Kind.Should().Be(FileKind.File);
        stat.Path.Should().Be(file);
        stat.Size.Should().Be(Encoding.UTF8.GetByteCount("内容 " + name));

        await _host.SetModeAsync(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        (await _host.StatAsync(file))!.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserExecute);
        await _host.SetOwnerAsync(file, "root", "root");

        await _host.CreateSymlinkAsync(dir + "/link", name + ".txt");
        (await _host.StatAsync(dir + "/link"))!.LinkTarget.Should().Be(name + ".txt");

        var tree = await _host.ListTreeAsync(dir);
        tree.Select(e => e.Path).Should().BeEquivalentTo([name + ".txt", "link"]);

        await _host.MoveAsync(file, dir + "/moved " + name);
        (await _host.ExistsAsync(file)).Should().BeFalse();
        (await _host.ExistsAsync(dir + "/moved " + name)).Should().BeTrue();

        var upload = _local.WriteFile("src.bin", "up " + name);
        await _host.UploadAsync([new FileUpload(upload, dir + "/up " + name)]);
        File.ReadAllText(dir + "/up " + name).Should().Be("up " + name);

        await _host.RemoveAsync(dir, recursive: true);
        (await _host.ExistsAsync(dir)).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(_remote.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
        File.Exists("/root/pwned").Should().BeFalse();
    }

    [Fact]
    public async Task Tree_listing_reports_kinds_sizes_modes_links_and_full_precision_times_in_one_call()
    {
        var root = _remote.Path + "/tree";
        Directory.CreateDirectory(root + "/sub/深");
        File.WriteAllText(root + "/sub/深/a.txt", "12345");
        File.WriteAllText(root + "/new\nline", "");
        File.CreateSymbolicLink(root + "/sub/ln", "../target with space");
        File.SetUnixFileMode(root + "/sub/深/a.txt", (UnixFileMode)Convert.ToInt32("4750", 8));
        var mtime = new DateTime(2024, 2, 29, 12, 34, 56, DateTimeKind.Utc).AddTicks(1234567);
        File.SetLastWriteTimeUtc(root + "/sub/深/a.txt", mtime);

        var tree = (await _host.ListTreeAsync(root)).ToDictionary(e => e.Path);

        tree.Keys.Should().BeEquivalentTo(["sub", "sub/深", "sub/深/a.txt", "sub/ln", "new\nline"]);
        tree["sub"].Kind.Should().Be(FileKind.Directory);
        tree["sub/深/a.txt"].Should().Be(new RemoteFileInfo("sub/深/a.txt", FileKind.File, 5, new DateTimeOffset(mtime), (UnixFileMode)Convert.ToInt32("4750", 8)));
        tree["sub/ln"].Kind.Should().Be(FileKind.Symlink);
        tree["sub/ln"].LinkTarget.Should().Be("../target with space");
        tree["new\nline"].Size.Should().Be(0);
        (await _host.ListTreeAsync(_remote.Path + "/absent")).Should().BeEmpty();
    }

    [Fact]
    public async Task Stat_of_an_absent_path_is_null_and_reading_it_is_a_typed_error()
    {
        (await _host.StatAsync(_remote.Path + "/nope")).Should().BeNull();

        var act = () => _host.OpenReadAsync(_remote.Path + "/nope");
        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.RemotePathNotFound);
        e.Path.Should().Be(_remote.Path + "/nope");
    }

    [Fact]
    public async Task Reading_streams_large_binary_files_exactly_and_empty_files_as_empty()
    {
        var bytes = new byte[5_000_000];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(_remote.Path + "/big.bin", bytes);
        await File.WriteAllBytesAsync(_remote.Path + "/empty", []);

        (await _host.ReadAllBytesAsync(_remote.Path + "/big.bin")).Should().Equal(bytes);
        (await _host.ReadAllBytesAsync(_remote.Path + "/empty")).Should().BeEmpty();
    }

    [Fact]
    public async Task Write_is_atomic_keeps_the_existing_mode_and_sets_mode_and_time_when_asked()
    {
        var path = _remote.Path + "/etc/app.conf";
        await _host.WriteAllTextAsync(path, "v1");
        Convert.ToString((int)File.GetUnixFileMode(path), 8).Should().Be("644");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await _host.WriteAllTextAsync(path, "v2");
        File.ReadAllText(path).Should().Be("v2");
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var when = new DateTimeOffset(2023, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(9876543);
        await _host.WriteAllTextAsync(path, "v3", new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserExecute, ModifiedTime = when });
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserExecute);
        new DateTimeOffset(File.GetLastWriteTimeUtc(path)).Should().Be(when);
        Directory.GetFiles(_remote.Path + "/etc").Should().ContainSingle("no temp file is left beside the destination");
    }

    [Fact]
    public async Task Write_accepts_a_non_seekable_stream()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('é', 100_000));
        using var pipe = new NonSeekableStream(bytes);

        await _host.WriteFileAsync(_remote.Path + "/piped", pipe);

        File.ReadAllBytes(_remote.Path + "/piped").Should().Equal(bytes);
    }

    [Fact]
    public async Task Move_refuses_to_replace_unless_asked()
    {
        await File.WriteAllTextAsync(_remote.Path + "/a", "a");
        await File.WriteAllTextAsync(_remote.Path + "/b", "b");

        var act = () => _host.MoveAsync(_remote.Path + "/a", _remote.Path + "/b");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemoteIoFailed);
        await _host.MoveAsync(_remote.Path + "/a", _remote.Path + "/b", overwrite: true);
        File.ReadAllText(_remote.Path + "/b").Should().Be("a");

        var missing = () => _host.MoveAsync(_remote.Path + "/gone", _remote.Path + "/c");
        (await missing.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemotePathNotFound);
    }

    [Fact]
    public async Task Remove_of_a_non_empty_directory_needs_recursive_and_absent_paths_are_fine()
    {
        Directory.CreateDirectory(_remote.Path + "/d/e");

        var act = () => _host.RemoveAsync(_remote.Path + "/d");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.RemoteIoFailed);
        await _host.RemoveAsync(_remote.Path + "/d", recursive: true);
        Directory.Exists(_remote.Path + "/d").Should().BeFalse();
        await _host.RemoveAsync(_remote.Path + "/d");
    }

    [Fact]
    public async Task Symlink_replaces_an_existing_link_atomically()
    {
        await _host.CreateSymlinkAsync(_remote.Path + "/current", "releases/1");
        await _host.CreateSymlinkAsync(_remote.Path + "/current", "releases/2");

        new FileInfo(_remote.Path + "/current").LinkTarget.Should().Be("releases/2");
    }

    [Fact]
    public async Task Create_directory_sets_the_mode()
    {
        await _host.CreateDirectoryAsync(_remote.Path + "/x/y", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        File.GetUnixFileMode(_remote.Path + "/x/y").Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task Os_release_is_read_and_parsed()
    {
        var local = await new LocalHost().GetOsReleaseAsync();

        var remote = await _host.GetOsReleaseAsync();

        remote.Id.Should().Be(local.Id).And.NotBe("linux");
        remote.VersionId.Should().Be(local.VersionId);
    }

    [Fact]
    public async Task Processes_are_found_by_name_command_line_and_pid_file()
    {
        var tag = "ssh-proc-" + Guid.NewGuid().ToString("N")[..8];
        using var sleeper = System.Diagnostics.Process.Start("bash", ["-c", $"exec -a '{tag} x' sleep 30"])!;
        try
        {
            await File.WriteAllTextAsync(_remote.Path + "/app.pid", sleeper.Id + "\n");
            await Task.Delay(200);

            var byCmd = await _host.FindProcessesAsync(ProcessQuery.ByCommandLine(tag + " x"));
            byCmd.Should().ContainSingle().Which.Pid.Should().Be(sleeper.Id);
            var byName = await _host.FindProcessesAsync(ProcessQuery.ByName("sleep"));
            byName.Select(p => p.Pid).Should().Contain(sleeper.Id);
            var byPid = await _host.FindProcessesAsync(ProcessQuery.ByPidFile(_remote.Path + "/app.pid"));
            byPid.Should().ContainSingle().Which.CommandLine.Should().Be(tag + " x 30");
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }

        (await _host.FindProcessesAsync(ProcessQuery.ByPidFile(_remote.Path + "/app.pid"))).Should().BeEmpty();
        (await _host.FindProcessesAsync(ProcessQuery.ByPidFile(_remote.Path + "/no.pid"))).Should().BeEmpty();
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
