using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>
/// The readiness poll (<see cref="HostHookRunner.ReadyPoll"/>) under a real time limit, as lifecycle-run-hook.sh runs
/// it: coreutils <c>timeout</c> sends TERM to the poll's whole process group, the probe's attempt included.
/// </summary>
public sealed class ReadyPollTests : IDisposable
{
    private readonly TempDirectory _temp = new("ready-poll");
    private readonly LocalHost _host = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task At_the_limit_it_reports_the_last_attempt_that_failed_on_its_own_not_the_one_the_limit_cut_short()
    {
        // The first attempt fails at once and says why; the next ones hang until the limit's TERM cuts them.
        var marker = _temp.Combine("tried");
        var probe = $"if [ -f '{marker}' ]; then echo cut short; sleep 30; else touch '{marker}'; echo port 8080 refused; exit 1; fi";

        var r = await PollAsync(probe);

        r.ExitCode.Should().Be(124);
        r.StandardOutput.Should().Be("port 8080 refused\n");
    }

    [Fact]
    public async Task At_the_limit_with_no_attempt_ended_it_reports_what_the_cut_attempt_printed()
    {
        var r = await PollAsync("echo still connecting; sleep 30");

        r.ExitCode.Should().Be(124);
        r.StandardOutput.Should().Be("still connecting\n");
    }

    private Task<CommandResult> PollAsync(string probe)
        => _host.RunAsync(CommandSpec.Of("timeout", "-k", "5", "1", "/bin/sh", "-c", HostHookRunner.ReadyPoll, "sh", probe, "100"));
}
