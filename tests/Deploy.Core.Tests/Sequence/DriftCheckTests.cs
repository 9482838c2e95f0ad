using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>The drift check on a rooted LocalHost.</summary>
public sealed class DriftCheckLocalTests() : DriftCheckTests(new SequenceSandbox());

/// <summary>The drift check on a real SSH host (the test sshd on 127.0.0.1): live mtimes come from the remote listing.</summary>
[Trait("Category", "Integration")]
public sealed class DriftCheckSshTests(SshServerFixture ssh) : DriftCheckTests(new SequenceSandbox(ssh.Server)), IClassFixture<SshServerFixture>;

/// <summary><see cref="PlanOptions.Verify"/>: files edited or deleted on the target by hand are found and sent again.</summary>
public abstract class DriftCheckTests(SequenceSandbox box) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await box.DisposeAsync();

    [Fact]
    public async Task Verify_finds_nothing_on_a_target_nobody_touched()
    {
        await box.ApplyAsync(box.Target().Build());

        var plan = await box.PlanAsync(box.Target().Build(), new PlanOptions { Verify = true });

        plan.IsEmpty.Should().BeTrue(plan.ToText(listFiles: true));
    }

    [Fact]
    public async Task A_file_edited_on_the_target_by_hand_is_found_by_verify_sent_again_and_its_component_restarted()
    {
        await box.ApplyAsync(box.Target().Build());
        var edited = box.TargetFile(box.T("/opt/types/types.py"));
        File.WriteAllText(edited, "hand edit");

        (await box.PlanAsync(box.Target().Build())).IsEmpty.Should().BeTrue("without --verify the recorded state is trusted");
        var plan = await box.PlanAsync(box.Target().Build(), new PlanOptions { Verify = true });

        var file = plan.Steps.Single(s => s.Kind == StepKind.TransferFiles).Files.Should().ContainSingle().Subject;
        file.TargetPath.Should().Be(box.T("/opt/types/types.py"));
        file.Reason.Should().StartWith("changed on the target since the last deploy (size 120 -> 9");
        var types = plan.Decisions.Single(d => d.Component == "Types");
        types.Action.Should().Be(ComponentAction.Restart);
        types.Reasons.Should().Contain(r => r.Contains("changed on the target since the last deploy", StringComparison.Ordinal));
        plan.Decisions.Where(d => d.Component != "Types").Should().OnlyContain(d => d.Action == ComponentAction.None);

        var result = await box.ApplyAsync(box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Verify = true } });

        result.FilesTransferred.Should().Be(1);
        File.ReadAllText(edited).Should().Be(new string('t', 120));
        (await box.PlanAsync(box.Target().Build(), new PlanOptions { Verify = true })).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_file_deleted_on_the_target_is_found_by_verify_with_that_reason_and_restored()
    {
        await box.ApplyAsync(box.Target().Build());
        var deleted = box.TargetFile(box.T("/opt/logger/logger.sh"));
        File.Delete(deleted);

        var plan = await box.PlanAsync(box.Target().Build(), new PlanOptions { Verify = true });

        plan.Steps.Single(s => s.Kind == StepKind.TransferFiles).Files!.Single().Reason.Should().Be("deleted on the target");
        plan.Decisions.Single(d => d.Component == "Logger").Reasons.Should().Contain(box.T("/opt/logger/logger.sh") + " deleted on the target, ChangeEvent=Restart");

        await box.ApplyAsync(box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Verify = true } });

        File.ReadAllText(deleted).Should().Be("echo logger\n");
    }

    [Fact]
    public async Task A_file_whose_mode_was_changed_on_the_target_is_found_and_sent_again()
    {
        await box.ApplyAsync(box.Target().Build());
        var path = box.TargetFile(box.T("/opt/exos/exos-api.conf"));
        var before = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, before | UnixFileMode.OtherWrite);
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path)); // content and mtime as recorded

        var plan = await box.PlanAsync(box.Target().Build(), new PlanOptions { Verify = true });

        plan.Steps.Single(s => s.Kind == StepKind.TransferFiles).Files!.Single().Reason.Should().Contain("mode ");
        await box.ApplyAsync(box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Verify = true } });
        File.GetUnixFileMode(path).Should().Be(before);
    }
}
