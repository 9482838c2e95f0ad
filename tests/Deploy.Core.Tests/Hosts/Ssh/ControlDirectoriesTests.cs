using System.Diagnostics;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

public sealed class ControlDirectoriesTests
{
    [Fact]
    public async Task Sweep_removes_the_control_directories_of_processes_that_no_longer_run_and_keeps_the_rest()
    {
        using var root = new TempDirectory("dsh-sweep");
        // A process that really ran and exited: its pid no longer runs.
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await gone.WaitForExitAsync();
        var dead = Directory.CreateDirectory(Path.Combine(root.Path, $"dsh-{gone.Id}-0123456789"));
        await File.WriteAllTextAsync(Path.Combine(dead.FullName, "stale-socket"), "");
        var init = Directory.CreateDirectory(Path.Combine(root.Path, "dsh-1-aaaaaaaaaa")); // pid 1 runs
        var mine = Directory.CreateDirectory(Path.Combine(root.Path, $"dsh-{Environment.ProcessId}-bbbbbbbbbb"));
        var unnamed = Directory.CreateDirectory(Path.Combine(root.Path, "dsh-cccccccccc")); // the old name, without a pid
        var other = Directory.CreateDirectory(Path.Combine(root.Path, "other-1-x"));

        var removed = ControlDirectories.Sweep(root.Path);

        removed.Should().Be(1);
        Directory.Exists(dead.FullName).Should().BeFalse("its owner exited: the directory and its stale socket went");
        new[] { init, mine, unnamed, other }.Should().OnlyContain(d => Directory.Exists(d.FullName), "their owners run, or they are not named after one");
    }

    [Fact]
    public void New_paths_are_under_tmp_and_named_after_this_process()
    {
        var path = ControlDirectories.NewPath();

        Path.GetDirectoryName(path).Should().Be("/tmp");
        Path.GetFileName(path).Should().MatchRegex($"^dsh-{Environment.ProcessId}-[0-9a-f]{{10}}$");
    }
}
