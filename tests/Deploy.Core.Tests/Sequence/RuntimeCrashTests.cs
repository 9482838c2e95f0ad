using System.Net;
using System.Net.Sockets;
using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// Runtime services that exit on their own after they start (a missing program, a port in use) are noticed within
/// the settle period on the real clock: reported with exit code and log tail, handled per ErrorHandling, and shown
/// by the next plan as needing a restart.
/// </summary>
public sealed class RuntimeCrashTests
{
    private static async Task<ApplyResult> ApplyAsync(SequenceSandbox box, TargetDefinition target, double settleSeconds = 1)
        => await SequenceApplier.ForHost(box.Host, target).ApplyAsync(target, new ApplyOptions { RuntimeSettlePeriod = TimeSpan.FromSeconds(settleSeconds) });

    private static async Task<Plan> PlanAsync(SequenceSandbox box, TargetDefinition target)
        => await SequenceApplier.ForHost(box.Host, target).PlanAsync(await DesiredTarget.ScanAsync(target));

    [Fact]
    public async Task Runtime_service_whose_program_is_missing_is_reported_with_exit_code_and_log_and_the_next_plan_restarts_it()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target(typesExtra: c => c.Runtime("echo 'types: starting'; exec ./types-server", box.T("/opt/types")).WithErrorHandling(ErrorHandling.Component)).Build();

        var result = await ApplyAsync(box, target);

        result.Succeeded.Should().BeFalse();
        var crash = result.Failures.Should().ContainSingle().Which;
        crash.Crashed.Should().BeTrue();
        crash.Service.Should().Be("Types runtime#1");
        crash.ExitCode.Should().Be(127);
        crash.Message.Should().Contain("types: starting").And.Contain("types-server");
        (await box.IsRunningAsync("Logger")).Should().BeTrue("the other components are not affected");

        var next = await PlanAsync(box, target);
        next.IsEmpty.Should().BeFalse("a crashed service is not up to date");
        var types = next.Decisions.Single(d => d.Component == "Types");
        types.Action.Should().Be(ComponentAction.Restart);
        types.Reasons.Should().Contain(r => r.Contains("exited with exit code 127"));
        next.ServiceActions.Should().Contain("start Types runtime#1");
    }

    [Fact]
    public async Task Runtime_service_that_finds_its_port_in_use_aborts_a_Target_apply_and_runs_after_the_port_is_freed()
    {
        await using var box = new SequenceSandbox();
        // A port below the ephemeral range: once freed, no outgoing connection can take it before the service binds it.
        var port = TestPorts.Free();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var target = box.Target(typesExtra: c => c.Runtime($"exec python3 -m http.server {port} --bind 127.0.0.1", box.T("/opt/types")).WithErrorHandling(ErrorHandling.Stop)).Build();
        try
        {
            // python3 needs a moment to start on a busy machine: a longer settle period than the default.
            var act = () => ApplyAsync(box, target, settleSeconds: 5);

            var e = (await act.Should().ThrowAsync<DeployException>()).Which;
            e.Code.Should().Be(DeployErrorCode.ServiceFailed);
            e.ExitCode.Should().Be(1);
            e.Message.Should().Contain("Address already in use").And.Contain("ErrorHandling=Target");
            var next = await PlanAsync(box, target);
            next.Decisions.Single(d => d.Component == "Types").Action.Should().Be(ComponentAction.Restart);
            next.FilesToTransfer.Should().Be(0);
        }
        finally
        {
            listener.Stop();
        }

        var result = await ApplyAsync(box, target, settleSeconds: 5);

        result.Succeeded.Should().BeTrue();
        result.Failures.Should().BeEmpty();
        (await box.IsRunningAsync("Types", 1)).Should().BeTrue();
        (await PlanAsync(box, target)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Crash_under_Ignore_is_reported_the_apply_succeeds_and_the_next_plan_still_restarts_it()
    {
        await using var box = new SequenceSandbox();
        var target = box.Target(typesExtra: c => c.Runtime("echo 'bad config' >&2; exit 3", box.T("/opt/types")).WithErrorHandling(ErrorHandling.Continue)).Build();

        var result = await ApplyAsync(box, target);

        result.Succeeded.Should().BeTrue();
        result.Failures.Single().Should().Match<ServiceFailure>(f => f.Crashed && f.ExitCode == 3 && f.Message.Contains("bad config"));
        (await PlanAsync(box, target)).Decisions.Single(d => d.Component == "Types").Action.Should().Be(ComponentAction.Restart);
    }
}
