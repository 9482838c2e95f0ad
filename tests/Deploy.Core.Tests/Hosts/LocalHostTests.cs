using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts;

public class LocalHostTests : IDisposable
{
    private readonly TempDirectory _sandbox = new("localhost");
    private readonly LocalHost _host;

    public LocalHostTests() => _host = LocalHost.Rooted(_sandbox.Path);

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [MemberData(nameof(HostileNames.FileNames), MemberType = typeof(HostileNames))]
    public async Task Every_file_operation_round_trips_a_hostile_name(string name)
    {
        var dir = "/opt/" + name;
        var file = dir + "/" + name + ".txt";
        await _host.CreateDirectoryAsync(dir);
        await _host.WriteAllTextAsync(file, "内容 " + name);
        (await _host.ReadAllTextAsync(file)).Should().Be("内容 " + name);

        var stat = await _host.StatAsync(file);
        stat!.Kind.Should().Be(FileKind.File);
        stat.Size.Should().Be(System.Text.Encoding.UTF8.GetByteCount("内容 " + name));

        await _host.SetModeAsync(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        (await _host.StatAsync(file))!.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserExecute);

        await _host.CreateSymlinkAsync(dir + "/link", name + ".txt");
        (await _host.StatAsync(dir + "/link"))!.LinkTarget.Should().Be(name + ".txt");

        var tree = await _host.ListTreeAsync(dir);
        tree.Select(e => e.Path).Should().BeEquivalentTo([name + ".txt", "link"]);

        await _host.MoveAsync(file, dir + "/moved " + name);
        (await _host.ExistsAsync(file)).Should().BeFalse();
        (await _host.ExistsAsync(dir + "/moved " + name)).Should().BeTrue();

        await _host.RemoveAsync(dir, recursive: true);
        (await _host.ExistsAsync(dir)).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(_sandbox.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Rooted_host_maps_absolute_paths_into_the_sandbox_and_cannot_escape_it()
    {
        await _host.WriteAllTextAsync("/opt/app/config.ini", "x=1");

        File.ReadAllText(_sandbox.Combine("opt", "app", "config.ini")).Should().Be("x=1");
        _host.MapPath("/opt/../../../etc/passwd").Should().StartWith(_sandbox.Path);
        var act = () => _host.MapPath("relative/path");
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Commands_run_in_the_mapped_working_directory_and_see_DEPLOY_ROOT()
    {
        await _host.CreateDirectoryAsync("/srv/work");

        var result = await _host.RunScriptAsync("pwd; printf '%s\\n' \"$DEPLOY_ROOT\" \"$1\"", ["arg with $(space)"], CommandSpec.Of("sh").InDirectory("/srv/work"));

        result.StandardOutput.Should().Be($"{_sandbox.Combine("srv", "work")}\n{_sandbox.Path}\narg with $(space)\n");
    }

    [Fact]
    public async Task Output_is_streamed_line_by_line_while_captured()
    {
        var lines = new List<OutputLine>();
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "echo one; echo two >&2; echo three") with { OnOutput = lines.Add });

        lines.Should().Contain(new OutputLine(OutputStream.StandardOutput, "one"))
            .And.Contain(new OutputLine(OutputStream.StandardError, "two"))
            .And.Contain(new OutputLine(OutputStream.StandardOutput, "three"));
        result.StandardOutput.Should().Be("one\nthree\n");
        result.StandardError.Should().Be("two\n");
    }

    [Fact]
    public async Task Standard_input_is_fed_to_the_command()
    {
        using var input = new MemoryStream("hello 世界"u8.ToArray());
        var result = await _host.RunAsync(CommandSpec.Of("cat") with { StandardInput = input });
        result.StandardOutput.Should().Be("hello 世界");
    }

    [Fact]
    public async Task A_command_over_its_timeout_is_killed_with_a_timeout_error()
    {
        var act = () => _host.RunAsync(CommandSpec.Of("sleep", "30") with { Timeout = TimeSpan.FromMilliseconds(300) });
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Timeout);
    }

    [Fact]
    public async Task Cancellation_kills_the_command()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var act = () => _host.RunAsync(CommandSpec.Of("sleep", "30"), cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_failing_command_is_a_result_until_ThrowOnFailure()
    {
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "echo bad >&2; exit 3"));
        result.ExitCode.Should().Be(3);
        var act = () => result.ThrowOnFailure();
        var ex = act.Should().Throw<DeployException>().Which;
        ex.Code.Should().Be(DeployErrorCode.CommandFailed);
        ex.ExitCode.Should().Be(3);
        ex.Message.Should().Contain("bad");
    }

    [Fact]
    public async Task Secrets_never_reach_the_displayed_command_or_the_error()
    {
        var spec = CommandSpec.Of("sh", "-c", "exit 1", "--password", "hunter2") with { Secrets = ["hunter2"] };
        var result = await _host.RunAsync(spec);
        result.Command.Should().NotContain("hunter2");
        var act = () => result.ThrowOnFailure();
        act.Should().Throw<DeployException>().Which.ToString().Should().NotContain("hunter2");
    }

    [Fact]
    public async Task A_missing_program_is_a_tool_missing_error()
    {
        var act = () => _host.RunAsync(CommandSpec.Of("definitely-not-a-program-xyz"));
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.ToolMissing);
    }

    [Fact]
    public async Task Atomic_write_replaces_the_file_and_leaves_no_temp_files()
    {
        await _host.WriteAllTextAsync("/etc/app.conf", "old");
        await _host.SetModeAsync("/etc/app.conf", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await _host.WriteAllTextAsync("/etc/app.conf", "new");

        (await _host.ReadAllTextAsync("/etc/app.conf")).Should().Be("new");
        (await _host.StatAsync("/etc/app.conf"))!.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "an overwrite keeps the mode");
        Directory.GetFiles(_sandbox.Combine("etc")).Should().ContainSingle();
    }

    [Fact]
    public async Task Upload_places_files_with_their_mode_and_full_precision_mtime()
    {
        using var src = new TempDirectory();
        var a = src.WriteFile("a.sh", "#!/bin/sh\necho a\n");
        File.SetUnixFileMode(a, (UnixFileMode)Convert.ToInt32("755", 8));
        var mtime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567);
        var progress = new List<TransferProgress>();

        var summary = await _host.UploadAsync(
            [new FileUpload(a, "/opt/x/bin/a.sh"), new FileUpload(a, "/opt/x/a-copy.sh") { ModifiedTime = mtime, Mode = UnixFileMode.UserRead }],
            new SyncProgress<TransferProgress>(progress.Add));

        summary.Files.Should().Be(2);
        var s1 = await _host.StatAsync("/opt/x/bin/a.sh");
        s1!.Mode.Should().Be((UnixFileMode)Convert.ToInt32("755", 8));
        s1.ModifiedTime.Should().Be(new DateTimeOffset(File.GetLastWriteTimeUtc(a), TimeSpan.Zero));
        var s2 = await _host.StatAsync("/opt/x/a-copy.sh");
        s2!.ModifiedTime.Should().Be(mtime);
        progress.Should().HaveCount(2);
        progress[^1].FilesDone.Should().Be(2);
    }

    [Fact]
    public async Task A_symlink_to_a_directory_is_switched_atomically_to_another_directory()
    {
        await _host.CreateDirectoryAsync("/opt/app/releases/1");
        await _host.CreateDirectoryAsync("/opt/app/releases/2");
        await _host.CreateSymlinkAsync("/opt/app/current", "releases/1");

        await _host.CreateSymlinkAsync("/opt/app/current", "releases/2");

        (await _host.StatAsync("/opt/app/current"))!.LinkTarget.Should().Be("releases/2");
        Directory.Exists(_sandbox.Combine("opt", "app", "releases", "1", "2")).Should().BeFalse("the new link must not land inside the old target");
    }

    [Fact]
    public async Task OpenRead_of_a_missing_file_names_the_path()
    {
        var act = () => _host.OpenReadAsync("/nope/missing.txt");
        var ex = (await act.Should().ThrowAsync<DeployException>()).Which;
        ex.Code.Should().Be(DeployErrorCode.RemotePathNotFound);
        ex.Path.Should().Be("/nope/missing.txt");
    }

    [Fact]
    public async Task Os_release_comes_from_the_sandbox_when_it_has_one()
    {
        await _host.WriteAllTextAsync("/etc/os-release", "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n");
        var os = await _host.GetOsReleaseAsync();
        os.Id.Should().Be("centos");
        os.VersionId.Should().Be("7");
    }

    [Fact]
    public async Task Processes_are_found_by_name_command_line_and_pid_file()
    {
        var marker = "deploy-proc-test-" + Guid.NewGuid().ToString("N")[..8];
        using var proc = System.Diagnostics.Process.Start("sh", ["-c", $"exec sleep 30 # {marker}", marker])!;
        try
        {
            await _host.WriteAllTextAsync("/run/app.pid", proc.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            (await _host.FindProcessesAsync(ProcessQuery.ByPidFile("/run/app.pid"))).Should().ContainSingle(p => p.Pid == proc.Id);
            (await _host.FindProcessesAsync(ProcessQuery.ByName("sleep"))).Should().Contain(p => p.Pid == proc.Id);
            await _host.WriteAllTextAsync("/run/dead.pid", "999999");
            (await _host.FindProcessesAsync(ProcessQuery.ByPidFile("/run/dead.pid"))).Should().BeEmpty();
        }
        finally
        {
            proc.Kill();
        }
    }

    /// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>, so assertions see every report.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
