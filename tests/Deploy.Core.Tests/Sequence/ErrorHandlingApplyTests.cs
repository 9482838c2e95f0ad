using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// Each exOS ErrorHandling value with a real failing command on the sandbox target: Ignore (report, go on),
/// Component (this component stops, the others go on, the apply fails and the next plan completes it) and Target
/// (the apply aborts; the re-run resumes at the failed step without redoing what succeeded).
/// </summary>
public sealed class ErrorHandlingApplyTests
{
    private sealed class Collect(List<SequenceProgress> events) : IProgress<SequenceProgress>
    {
        public void Report(SequenceProgress value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }

    [Fact]
    public async Task Ignore_reports_the_failure_and_the_component_goes_on_and_the_apply_succeeds()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target(dataExtra: c => c.Install(box.Mark("DataConnection", "install")), typesExtra: c => c.Install("echo 'no such package' >&2; exit 4").WithErrorHandling(ErrorHandling.Continue)).Build();

        var result = await box.ApplyAsync(target);

        result.Succeeded.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should().Match<ServiceFailure>(f => f.Component == "Types" && f.ExitCode == 4 && f.Message.Contains("no such package") && f.ErrorHandling == ErrorHandling.Continue);
        result.ServiceActions.Should().Contain(["run Types startup#0", "start Types runtime#0"]);
        (await box.IsRunningAsync("Types")).Should().BeTrue();
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue("an ignored failure leaves nothing pending");
    }

    [Fact]
    public async Task Component_stops_only_that_component_the_others_go_on_and_the_result_is_a_failure()
    {
        await using var box = new SequenceSandbox();
        var events = new List<SequenceProgress>();
        var broken = box.Target(typesExtra: c => c.Install("echo 'dpkg: error: cannot access archive' >&2; exit 2").WithErrorHandling(ErrorHandling.Component)).Build();

        var result = await box.ApplyAsync(broken, progress: new Collect(events));

        result.Succeeded.Should().BeFalse();
        result.FailedComponents.Should().Equal("Types");
        result.Failures.Single().Message.Should().Contain("cannot access archive");
        result.ServiceActions.Should().Contain(["skip run Types startup#0", "skip start Types runtime#0", "run Logger startup#0", "start Logger runtime#0", "start DataConnection runtime#0"]);
        (await box.IsRunningAsync("Types")).Should().BeFalse();
        (await box.IsRunningAsync("Logger")).Should().BeTrue();
        (await box.IsRunningAsync("DataConnection")).Should().BeTrue();
        events.Should().Contain(e => e.Kind == SequenceEventKind.Warning && e.Message.Contains("ErrorHandling=Component"));
        var thrown = () => result.ThrowOnFailure();
        thrown.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ServiceFailed && e.Message.Contains("Types") && e.Message.Contains("cannot access archive"));

        var next = await box.PlanAsync(broken);
        next.IsEmpty.Should().BeFalse("the failed component is not up to date");
        next.Pending.Should().Contain("Types");
        next.Decisions.Single(d => d.Component == "Types").Reasons.Should().Contain(r => r.Contains("completing an interrupted") && r.Contains("cannot access archive"));
        next.Decisions.Single(d => d.Component == "Logger").Action.Should().Be(ComponentAction.None, "the components that succeeded are left alone");
        next.FilesToTransfer.Should().Be(0, "the failed component's files were placed");

        var fixedTarget = box.Target(typesExtra: c => c.Install("true").WithErrorHandling(ErrorHandling.Component)).Build();
        var repaired = await box.ApplyAsync(fixedTarget);

        repaired.Succeeded.Should().BeTrue();
        (await box.IsRunningAsync("Types")).Should().BeTrue();
        (await box.PlanAsync(fixedTarget)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Target_aborts_the_apply_and_the_rerun_resumes_at_the_failed_step_without_redoing_what_succeeded()
    {
        await using var box = new SequenceSandbox();
        // The install fails until the operator fixes the cause on the target (a missing file).
        var target = box.Target(dataExtra: c => c.Install(box.Mark("DataConnection", "install")), typesExtra: c => c.Install("test -f \"$DEPLOY_ROOT/tmp/types-ok\" || { echo 'types: dependency missing' >&2; exit 5; }").WithErrorHandling(ErrorHandling.Stop)).Build();

        var act = () => box.ApplyAsync(target);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ServiceFailed);
        e.ExitCode.Should().Be(5);
        e.Message.Should().Contain("dependency missing").And.Contain("resume at this step");
        box.OrderLog().Should().NotContain(l => l.StartsWith("Logger", StringComparison.Ordinal), "the apply stopped at Types' install");

        var pending = await box.PlanAsync(target);
        pending.Pending.Should().Contain("resumes at step").And.Contain("run Types install#0");
        pending.ToText().Should().Contain("(done)").And.Contain("pending:");

        Directory.CreateDirectory(box.TargetFile("/tmp"));
        File.WriteAllText(box.TargetFile("/tmp/types-ok"), "");
        var resumed = await box.ApplyAsync(target);

        resumed.Resumed.Should().NotBeNull();
        resumed.FilesTransferred.Should().Be(0, "the transfer had completed");
        resumed.ServiceActions.First().Should().Be("run Types install#0", "the re-run starts at the failed step");
        resumed.ServiceActions.Should().NotContain("run DataConnection install#0");
        box.OrderLog().Count(l => l == "DataConnection install").Should().Be(1, "the install that succeeded before the failure is not run again");
        (await box.IsRunningAsync("Types")).Should().BeTrue();
        (await box.IsRunningAsync("Logger")).Should().BeTrue();
        (await box.PlanAsync(target)).IsEmpty.Should().BeTrue();
    }
}
