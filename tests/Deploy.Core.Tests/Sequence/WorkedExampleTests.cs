using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>The two worked examples of the exOS deployment-sequence document, on a rooted LocalHost.</summary>
public sealed class WorkedExampleLocalTests : WorkedExampleTests
{
    public WorkedExampleLocalTests()
        : base(new SequenceSandbox())
    {
    }
}

/// <summary>The same examples on a real SSH host (the test sshd on 127.0.0.1).</summary>
[Trait("Category", "Integration")]
public sealed class WorkedExampleSshTests : WorkedExampleTests, IClassFixture<SshServerFixture>
{
    public WorkedExampleSshTests(SshServerFixture ssh)
        : base(new SequenceSandbox(ssh.Server))
    {
    }
}

public abstract class WorkedExampleTests : IAsyncLifetime
{
    private readonly SequenceSandbox _box;

    protected WorkedExampleTests(SequenceSandbox box) => _box = box;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _box.DisposeAsync();

    [Fact]
    public async Task First_deploy_installs_every_component_and_starts_its_runtime_services()
    {
        var result = await _box.ApplyAsync(_box.Target().Build());

        result.Plan.Decisions.Select(d => (d.Component, d.Action)).Should().Equal(
            ("DataConnection", ComponentAction.Install), ("Types", ComponentAction.Install), ("Logger", ComponentAction.Install));
        result.FilesTransferred.Should().Be(4);
        result.ServiceActions.Should().Equal(
            "run DataConnection startup#0", "run Types startup#0", "run Logger startup#0",
            "start DataConnection runtime#0", "wait 5000 ms (StartupTimeout)", "start Types runtime#0", "start Logger runtime#0");
        File.ReadAllText(_box.TargetFile(_box.T("/home/user/types/types.py"))).Should().HaveLength(120);
        File.ReadAllText(_box.TargetFile(_box.T("/etc/exos-data.conf"))).Should().Be("loglevel=info\n");
        (await _box.IsRunningAsync("DataConnection")).Should().BeTrue();
        (await _box.IsRunningAsync("Types")).Should().BeTrue();
        (await _box.IsRunningAsync("Logger")).Should().BeTrue();
    }

    [Fact]
    public async Task Types_py_changed_with_ChangeEvent_Restart_restarts_only_the_Types_component_in_the_seed_order()
    {
        await _box.ApplyAsync(_box.Target().Build());
        (await _box.OrderLogAsync(6)).Should().HaveCount(6, "the first deploy's runtime services have written their line");
        _box.ClearOrderLog();
        _box.WriteSource("types/types.py", new string('u', 133));

        var target = _box.Target().Build();
        var plan = await _box.PlanAsync(target);
        plan.Decisions.Single(d => d.Component == "Types").Action.Should().Be(ComponentAction.Restart);
        plan.Decisions.Single(d => d.Component == "Types").Reasons.Should().ContainSingle()
            .Which.Should().StartWith(_box.T("/opt/types/types.py") + " changed (size 120 -> 133").And.EndWith("ChangeEvent=Restart");
        plan.Decisions.Where(d => d.Component != "Types").Should().OnlyContain(d => d.Action == ComponentAction.None);
        plan.Steps.Select(s => s.Kind).Should().Equal(
            StepKind.StopService, StepKind.TransferFiles, StepKind.RunService, StepKind.StartService, StepKind.CommitState);
        plan.Steps[0].Reason.Should().Contain("types.py changed (size 120 -> 133").And.Contain("ChangeEvent=Restart");

        var result = await _box.ApplyAsync(target);

        // The seed: the Types component is stopped, types.py is transferred, its startup scripts run, its runtime starts.
        result.ServiceActions.Should().Equal("stop Types runtime#0", "run Types startup#0", "start Types runtime#0");
        result.FilesTransferred.Should().Be(1);
        (await _box.OrderLogAsync(2)).Should().Equal("Types startup", "Types runtime");
        File.ReadAllText(_box.TargetFile(_box.T("/home/user/types/types.py"))).Should().Be(new string('u', 133));
        (await _box.IsRunningAsync("Types")).Should().BeTrue();
        (await _box.IsRunningAsync("DataConnection")).Should().BeTrue();
        _box.Time.Delays.Where(d => d == TimeSpan.FromSeconds(5)).Should().ContainSingle("only the first deploy waited for the StartupTimeout");
    }

    [Fact]
    public async Task Exos_data_conf_changed_on_a_RestartEvent_Target_component_restarts_the_target_and_waits_the_StartupTimeout()
    {
        await _box.ApplyAsync(_box.Target().Build());
        var dataPid = File.ReadAllText(_box.TargetFile(_box.StateDirectory + "/run/DataConnection/runtime-0.pid"));
        (await _box.OrderLogAsync(6)).Should().HaveCount(6, "the first deploy's runtime services have written their line");
        _box.ClearOrderLog();
        _box.WriteSource("data/exos-data.conf", "loglevel=debug\n");

        var result = await _box.ApplyAsync(_box.Target().Build());

        result.Plan.TargetRestartReasons.Should().Equal("DataConnection restarts with RestartEvent=Target");
        result.Plan.Decisions.Select(d => d.Action).Should().Equal(ComponentAction.Restart, ComponentAction.Restart, ComponentAction.Restart);
        result.Plan.Decisions[1].Reasons.Should().Equal("target restart: DataConnection restarts with RestartEvent=Target");
        // The seed: DataConnection stops together with all other components; the changed file is transferred;
        // DataConnection's startup runs, then every other stopped component's startup; DataConnection's runtime
        // starts; after the StartupTimeout the other components' runtime services start.
        result.ServiceActions.Should().Equal(
            "stop DataConnection runtime#0",
            "stop Logger runtime#0",
            "stop Types runtime#0",
            "run DataConnection startup#0",
            "run Types startup#0",
            "run Logger startup#0",
            "start DataConnection runtime#0",
            "wait 5000 ms (StartupTimeout)",
            "start Types runtime#0",
            "start Logger runtime#0");
        result.Plan.Steps.Select(s => s.Kind).Should().ContainInOrder(StepKind.StopService, StepKind.TransferFiles, StepKind.RunService);
        result.Plan.Steps.Single(s => s.Kind == StepKind.TransferFiles).Files!.Select(f => f.TargetPath).Should().Equal(_box.T("/opt/exos/exos-data.conf"));
        _box.Time.Delays.Should().Contain(TimeSpan.FromSeconds(5));
        _box.OrderLog().Take(3).Should().Equal("DataConnection startup", "Types startup", "Logger startup");
        File.ReadAllText(_box.TargetFile(_box.T("/etc/exos-data.conf"))).Should().Be("loglevel=debug\n");
        File.ReadAllText(_box.TargetFile(_box.StateDirectory + "/run/DataConnection/runtime-0.pid")).Should().NotBe(dataPid);
        foreach (var c in new[] { "DataConnection", "Types", "Logger" })
        {
            (await _box.IsRunningAsync(c)).Should().BeTrue(c + " runs again");
        }
    }

    [Fact]
    public async Task Second_apply_with_nothing_changed_has_an_empty_plan_and_transfers_nothing()
    {
        await _box.ApplyAsync(_box.Target().Build());
        var stateFile = _box.TargetFile(_box.StateDirectory + "/control/state.json");
        var before = File.GetLastWriteTimeUtc(stateFile);

        var result = await _box.ApplyAsync(_box.Target().Build());

        result.Plan.IsEmpty.Should().BeTrue();
        result.Plan.ToText().Should().Contain("up to date");
        result.FilesTransferred.Should().Be(0);
        result.ServiceActions.Should().BeEmpty();
        File.GetLastWriteTimeUtc(stateFile).Should().Be(before);
    }

    [Fact]
    public async Task Target_configuration_change_restarts_every_component()
    {
        await _box.ApplyAsync(_box.Target().Build());

        var result = await _box.ApplyAsync(_box.Target(logLevel: "debug").Build());

        result.Plan.TargetRestartReasons.Should().StartWith("target configuration changed (logLevel)");
        result.Plan.Decisions.Should().OnlyContain(d => d.Action == ComponentAction.Restart);
        result.ServiceActions.Should().HaveCount(10).And.Contain("wait 5000 ms (StartupTimeout)");
        result.FilesTransferred.Should().Be(0);
    }
}
