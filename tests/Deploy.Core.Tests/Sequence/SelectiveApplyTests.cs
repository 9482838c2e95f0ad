using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Tests.Sequence;

/// <summary><see cref="PlanOptions.Components"/>: only the selected components change; the others keep files, processes and records.</summary>
public sealed class SelectiveApplyTests : IAsyncLifetime
{
    private readonly SequenceSandbox _box = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _box.DisposeAsync();

    [Fact]
    public async Task Components_Types_applies_Types_and_leaves_the_other_components_files_processes_and_records_untouched()
    {
        await _box.ApplyAsync(_box.Target().Build());
        var pids = new Dictionary<string, int> { ["DataConnection"] = Pid("DataConnection"), ["Logger"] = Pid("Logger"), ["Types"] = Pid("Types") };
        _box.WriteSource("types/types.py", new string('u', 133));
        _box.WriteSource("logger/logger.sh", "echo logger v2\n");
        _box.WriteSource("data/exos-data.conf", "loglevel=debug\n");

        var result = await _box.ApplyAsync(_box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Components = ["Types"] } });

        result.Plan.Decisions.Single(d => d.Component == "Types").Action.Should().Be(ComponentAction.Restart);
        result.Plan.Decisions.Where(d => d.Component != "Types").Should().OnlyContain(d => d.Action == ComponentAction.None);
        result.FilesTransferred.Should().Be(1);
        result.ServiceActions.Should().Equal("stop Types runtime#0", "run Types startup#0", "start Types runtime#0");
        File.ReadAllText(_box.TargetFile(_box.T("/opt/types/types.py"))).Should().HaveLength(133);
        File.ReadAllText(_box.TargetFile(_box.T("/opt/logger/logger.sh"))).Should().Be("echo logger\n");
        File.ReadAllText(_box.TargetFile(_box.T("/opt/exos/exos-data.conf"))).Should().Be("loglevel=info\n");
        Pid("DataConnection").Should().Be(pids["DataConnection"]);
        Pid("Logger").Should().Be(pids["Logger"]);
        Pid("Types").Should().NotBe(pids["Types"]);
        (await _box.IsRunningAsync("Types")).Should().BeTrue();

        var full = await _box.PlanAsync(_box.Target().Build());
        full.Decisions.Single(d => d.Component == "Logger").Reasons.Should().Contain(r => r.Contains("logger.sh changed", StringComparison.Ordinal),
            "the record still holds Logger's old file, so a full apply sends it");
        full.Decisions.Single(d => d.Component == "DataConnection").Reasons.Should().Contain(r => r.Contains("exos-data.conf changed", StringComparison.Ordinal));
        full.Decisions.Single(d => d.Component == "Types").Action.Should().Be(ComponentAction.Restart, "DataConnection restarts the target");
        full.Decisions.Single(d => d.Component == "Types").Reasons.Should().OnlyContain(r => r.StartsWith("target restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_selection_on_a_target_that_no_longer_defines_a_component_does_not_remove_it()
    {
        await _box.ApplyAsync(_box.Target().Build());
        var loggerPid = Pid("Logger");
        var withoutLogger = _box.Target().Build() is var t ? t with { Components = t.Components.Where(c => c.Name != "Logger").ToList() } : null!;

        var result = await _box.ApplyAsync(withoutLogger, new ApplyOptions { Plan = new PlanOptions { Components = ["Types"] } });

        result.Plan.IsEmpty.Should().BeTrue(result.Plan.ToText());
        Pid("Logger").Should().Be(loggerPid);
        File.Exists(_box.TargetFile(_box.T("/opt/logger/logger.sh"))).Should().BeTrue();
        (await _box.PlanAsync(withoutLogger)).Decisions.Single(d => d.Component == "Logger").Action.Should().Be(ComponentAction.Remove);
    }

    [Fact]
    public async Task Selecting_a_recorded_component_that_is_no_longer_defined_removes_only_it()
    {
        await _box.ApplyAsync(_box.Target().Build());
        var typesPid = Pid("Types");
        var t = _box.Target().Build();
        var withoutLogger = t with { Components = t.Components.Where(c => c.Name != "Logger").ToList() };

        var result = await _box.ApplyAsync(withoutLogger, new ApplyOptions { Plan = new PlanOptions { Components = ["Logger"] } });

        result.ServiceActions.Should().Equal("stop Logger runtime#0");
        File.Exists(_box.TargetFile(_box.T("/opt/logger/logger.sh"))).Should().BeFalse();
        (await _box.IsRunningAsync("Logger")).Should().BeFalse();
        Pid("Types").Should().Be(typesPid);
        (await _box.PlanAsync(withoutLogger)).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task An_unknown_component_name_is_refused_with_ComponentUnknown_before_anything_changes()
    {
        await _box.ApplyAsync(_box.Target().Build());

        var act = async () => await _box.ApplyAsync(_box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Components = ["Types", "Typo"] } });

        var error = (await act.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.ComponentUnknown);
        error.Message.Should().Contain("Typo").And.Contain("DataConnection, Types, Logger");
    }

    [Fact]
    public async Task A_first_deploy_with_a_selection_installs_only_the_selected_components()
    {
        var result = await _box.ApplyAsync(_box.Target().Build(), new ApplyOptions { Plan = new PlanOptions { Components = ["Logger"] } });

        result.Plan.Decisions.Single(d => d.Component == "Logger").Action.Should().Be(ComponentAction.Install);
        File.Exists(_box.TargetFile(_box.T("/opt/types/types.py"))).Should().BeFalse();
        (await _box.IsRunningAsync("Logger")).Should().BeTrue();
        var rest = await _box.PlanAsync(_box.Target().Build());
        rest.Decisions.Where(d => d.Action == ComponentAction.Install).Select(d => d.Component).Should().Equal("DataConnection", "Types");
    }

    private int Pid(string component)
    {
        var file = new ProcessSupervisor(_box.Host, _box.StateDirectory).PidFile(new ServiceRef(component, new Service(ServiceKind.Runtime, "x"), 0));
        return int.Parse(File.ReadAllText(_box.TargetFile(file)).Trim(), CultureInfo.InvariantCulture);
    }
}
