using Deploy.Testing;
using Deploy.Testing.Kill;

namespace Deploy.Core.Tests.Hosts;

/// <summary>The real-kill harness: a child paused at step boundary N is SIGKILLed with its whole process group.</summary>
[Trait("Category", "Integration")]
public sealed class KillHarnessTests
{
    // Each step writes its file, then reaches its boundary; step 1 also leaves a grandchild in the group.
    private const string ThreeSteps = """
        echo one > "$1/1"; deploy_test_boundary 1 wrote-one
        sleep 1000 & echo $! > "$1/grandchild"
        echo two > "$1/2"; deploy_test_boundary 2 "wrote two"
        echo three > "$1/3"; deploy_test_boundary 3 wrote-three
        echo done
        """;

    [Fact]
    public async Task A_child_killed_at_boundary_2_never_does_step_3_and_its_whole_group_is_gone()
    {
        using var dir = new TempDirectory("kill-harness");

        var killed = await KillHarness.KillAtBoundaryAsync(ChildCommand.Shell(ThreeSteps, dir.Path), boundary: 2);

        killed.Boundary.Should().Be(2);
        killed.Step.Should().Be("wrote two");
        killed.ExitCode.Should().Be(128 + 9, "the child died of SIGKILL");
        killed.StandardOutput.Should().Be("DEPLOY-TEST-PAUSED 2 wrote two\n");
        File.Exists(dir.Combine("1")).Should().BeTrue();
        File.Exists(dir.Combine("2")).Should().BeTrue();
        File.Exists(dir.Combine("3")).Should().BeFalse("the child was killed before step 3");
        KillHarness.IsGroupAlive(killed.ProcessGroupId).Should().BeFalse();
        var grandchild = int.Parse(File.ReadAllText(dir.Combine("grandchild")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        (ProcStat.Read(grandchild) is null or { IsZombie: true }).Should().BeTrue("the grandchild in the group was killed too");
        (ProcStat.Read(killed.ProcessGroupId) is null or { IsZombie: true }).Should().BeTrue("the child itself is gone");
    }

    [Fact]
    public async Task Without_a_pause_the_same_child_runs_every_step()
    {
        using var dir = new TempDirectory("kill-harness");

        var act = () => KillHarness.KillAtBoundaryAsync(ChildCommand.Shell(ThreeSteps.Replace("sleep 1000 &", "sleep 0 &", StringComparison.Ordinal), dir.Path), boundary: 9);

        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message.Should().Contain("exited with 0 first").And.Contain("done");
        File.Exists(dir.Combine("3")).Should().BeTrue("boundaries other than the chosen one do not pause");
    }

    [Fact]
    public async Task A_marker_that_never_comes_fails_clearly_with_the_output_and_kills_the_group()
    {
        var act = () => KillHarness.KillAtBoundaryAsync(ChildCommand.Shell("echo started; echo on-stderr >&2; deploy_test_boundary 1 first; sleep 1000"), boundary: 2, timeout: TimeSpan.FromSeconds(2));

        var failure = (await act.Should().ThrowAsync<TimeoutException>()).Which;
        failure.Message.Should().Contain("DEPLOY-TEST-PAUSED 2").And.Contain("not within 2 s").And.Contain("started").And.Contain("on-stderr");
        ProcStat.All().Where(s => !s.IsZombie).Should().NotContain(s => File.Exists($"/proc/{s.Pid}/cmdline") && ReadCmdline(s.Pid).Contains("deploy_test_boundary 1 first", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StepBoundaries_pause_only_at_the_chosen_boundary_after_printing_the_marker()
    {
        using var output = new StringWriter();
        var boundaries = new StepBoundaries(pauseAt: 2, output);
        using var cancel = new CancellationTokenSource();

        var before = boundaries.ReachedAsync(1, "copy files", cancel.Token);
        var paused = boundaries.ReachedAsync(2, "switch release", cancel.Token);

        before.IsCompletedSuccessfully.Should().BeTrue();
        output.ToString().Should().Be("DEPLOY-TEST-PAUSED 2 switch_release" + Environment.NewLine);
        paused.IsCompleted.Should().BeFalse("a paused boundary never returns");
        await cancel.CancelAsync();
        await paused.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        new StepBoundaries(null, output).ReachedAsync(2, "x").IsCompletedSuccessfully.Should().BeTrue("no variable, no pause");
    }

    private static string ReadCmdline(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }
}
