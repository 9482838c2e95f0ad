using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence.Services;

/// <summary>
/// The process supervisor's scripts (supervisor-start.sh, supervisor-stop.sh, service-run.sh) run directly on a
/// rooted LocalHost with hostile paths: every path they get is a declared path argument, mapped by the host.
/// </summary>
public sealed class SupervisorScriptTests : IDisposable
{
    private static readonly HostScript Start = Load("supervisor-start.sh");
    private static readonly HostScript Stop = Load("supervisor-stop.sh");
    private static readonly HostScript Run = Load("service-run.sh");

    private readonly TempDirectory _sandbox = new("supervisor-scripts");
    private readonly LocalHost _host;

    public SupervisorScriptTests() => _host = LocalHost.Rooted(_sandbox.Path);

    public void Dispose() => _sandbox.Dispose();

    public static IEnumerable<object[]> Names => HostileNames.FileNames;

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Start_writes_the_script_runs_it_detached_in_the_working_directory_and_Stop_ends_it(string name)
    {
        var state = "/var/lib/" + name;
        var (script, pid, log, wd) = ($"{state}/services/{name}.sh", $"{state}/run/{name}.pid", $"{state}/run/{name}.log", "/opt/" + name);
        Directory.CreateDirectory(_host.MapPath(wd));
        string[] args = [script, pid, log, "pwd > here.txt; echo '中文 $(x)'; exec sleep 300\n", wd];

        var first = await _host.RunScriptAsync(Start, args);
        var firstPid = await ReadPidAsync(pid);
        var second = await _host.RunScriptAsync(Start, args);

        first.ExitCode.Should().Be(0, first.StandardError);
        second.ExitCode.Should().Be(0);
        (await ReadPidAsync(pid)).Should().Be(firstPid, "a live service is not started twice");
        (await _host.FindProcessesAsync(ProcessQuery.ByPidFile(pid))).Should().ContainSingle();
        await WaitForAsync(() => File.Exists(_host.MapPath(wd + "/here.txt")) && File.ReadAllText(_host.MapPath(log)).Contains("中文 $(x)", StringComparison.Ordinal));
        File.ReadAllText(_host.MapPath(wd + "/here.txt")).TrimEnd('\n').Should().Be(_host.MapPath(wd));
        File.Exists(_host.MapPath(script)).Should().BeTrue();

        var stop = await _host.RunScriptAsync(Stop, [pid, "100"]);

        stop.ExitCode.Should().Be(0, stop.StandardError);
        File.Exists(_host.MapPath(pid)).Should().BeFalse();
        (await _host.FindProcessesAsync(ProcessQuery.ByPidFile(pid))).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_sandbox.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Start_refuses_a_missing_working_directory_with_exit_125_and_Stop_of_a_stopped_service_succeeds()
    {
        var r = await _host.RunScriptAsync(Start, ["/s/a.sh", "/s/a.pid", "/s/a.log", "exec sleep 300", "/opt/missing dir"]);

        r.ExitCode.Should().Be(125);
        File.Exists(_host.MapPath("/s/a.pid")).Should().BeFalse();
        (await _host.RunScriptAsync(Stop, ["/s/a.pid", "1"])).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Stop_waits_5_10_20_40_then_50_ms_for_the_exit_and_kills_a_process_that_ignores_TERM_at_its_limit()
    {
        // A fake sleep first on Stop's PATH records each wait and returns at once: the waits are read, not timed.
        var bin = Directory.CreateDirectory(Path.Combine(_sandbox.Path, "fake-bin")).FullName;
        var waits = Path.Combine(_sandbox.Path, "waits");
        await File.WriteAllTextAsync(Path.Combine(bin, "sleep"), $"#!/bin/sh\necho \"$1\" >> '{waits}'\n");
        File.SetUnixFileMode(Path.Combine(bin, "sleep"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        const string pid = "/s/stubborn.pid";
        (await _host.RunScriptAsync(Start, ["/s/stubborn.sh", pid, "/s/stubborn.log", "trap '' TERM; : > ignoring-term; exec /bin/sleep 300\n", "/"])).ExitCode.Should().Be(0);
        var process = await ReadPidAsync(pid);
        // The start returns once the service is launched; the stop must come after it ignores TERM, not before.
        await WaitForAsync(() => File.Exists(_host.MapPath("/ignoring-term")));

        // 4 x 50 ms for TERM: waits of 5, 10, 20, 40, 50, 50 and 50 ms (225 >= 200), then KILL. The group's leader
        // (the start's small sh) ends on TERM at once; its child ignores TERM and must still be waited for and killed.
        var stop = await _host.RunScriptAsync(Stop, [pid, "4"], new CommandSpec([]) { Environment = new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" } });

        stop.ExitCode.Should().Be(0, stop.StandardError);
        (await File.ReadAllLinesAsync(waits)).Should().Equal("0.005", "0.010", "0.020", "0.040", "0.050", "0.050", "0.050");
        File.Exists(_host.MapPath(pid)).Should().BeFalse();
        await WaitForAsync(() => GroupMembers(process).Count == 0);
    }

    /// <summary>The live (not zombie) processes whose process group is <paramref name="group"/>.</summary>
    private static List<string> GroupMembers(string group) => Directory.EnumerateDirectories("/proc")
        .Where(d => Path.GetFileName(d).All(char.IsAsciiDigit))
        .Select(d => { try { return File.ReadAllText(Path.Combine(d, "stat")); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; } })
        .Select(st => st.Length == 0 ? [] : st[(st.LastIndexOf(')') + 2)..].Split(' '))
        .Where(f => f.Length > 2 && f[2] == group && f[0] != "Z")
        .Select(f => f[1])
        .ToList();

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Run_runs_the_script_text_once_in_the_working_directory_and_returns_its_exit_code(string name)
    {
        var wd = "/opt/" + name;
        Directory.CreateDirectory(_host.MapPath(wd));

        var r = await _host.RunScriptAsync(Run, ["pwd; printf '%s\\n' \"$1\"; exit 3", wd]);
        var noDir = await _host.RunScriptAsync(Run, ["exit 0", wd + "/missing"]);

        r.ExitCode.Should().Be(3);
        r.StandardOutput.Should().Be(_host.MapPath(wd) + "\n\n", "the script gets no arguments of its own");
        noDir.ExitCode.Should().Be(125);
    }

    private async Task<string> ReadPidAsync(string pidFile) => (await _host.ReadAllTextAsync(pidFile)).Trim();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }

    private static HostScript Load(string name) => HostScript.FromResource(typeof(Deploy.Core.Sequence.Services.ProcessSupervisor).Assembly, name);
}
