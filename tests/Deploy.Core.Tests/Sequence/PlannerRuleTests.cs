using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;

namespace Deploy.Core.Tests.Sequence;

/// <summary>The seed's rules, on the pure planner: desired + recorded state in, plan out, no I/O.</summary>
public sealed class PlannerRuleTests
{
    private static readonly long T0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static DesiredFile File(string path, long size = 10, long ticks = 0, ChangeEvent ce = ChangeEvent.Restart)
        => new(new FileEntry(path, size, T0 + ticks, (UnixFileMode)0b110_100_100), "/local" + path, ce);

    private static Component Comp(string name, RestartEvent re = RestartEvent.Component, params Service[] services)
        => new(name) { Services = services, RestartEvent = re };

    private static Service S(ServiceKind kind, string command) => new(kind, command);

    private static DesiredTarget Desired(IReadOnlyDictionary<string, string>? config, params (Component C, DesiredFile[] Files)[] components)
    {
        var def = new TargetDefinition("t") { Components = components.Select(c => c.C).ToList(), Configuration = config ?? new Dictionary<string, string>() };
        return new DesiredTarget(def, [], components.Select(c => new DesiredComponent(c.C, c.Files)).ToList());
    }

    private static Component Standard(string name, RestartEvent re = RestartEvent.Component, string runtime = "run", string startup = "start", string install = "install", string remove = "remove")
        => Comp(name, re, S(ServiceKind.Install, install), S(ServiceKind.Startup, startup), S(ServiceKind.Runtime, runtime), S(ServiceKind.Remove, remove));

    private static (Plan First, TargetState State) Deployed(DesiredTarget desired)
    {
        var plan = SequencePlanner.Plan(desired, null);
        return (plan, plan.NewState);
    }

    [Fact]
    public void Only_runtime_services_changed_stops_previous_services_runs_current_startup_starts_current_runtime()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/x")])));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A", runtime: "run --v2"), [File("/a/x")])), state);

        plan.Decisions.Single().Action.Should().Be(ComponentAction.Restart);
        plan.Decisions.Single().Reasons.Should().Equal("Runtime services changed (1 -> 1)");
        plan.Steps.Select(s => s.Describe()).Should().Equal(
            "stop A runtime#0", "delete A runtime#0", "create A runtime#0", "run A startup#0", "start A runtime#0", "record state");
        plan.Steps[0].Service!.Command.Should().Be("run", "the previously configured service is stopped");
        plan.Steps[4].Service!.Command.Should().Be("run --v2", "the currently configured service is started");
    }

    [Fact]
    public void Only_remove_services_changed_recreates_those_scripts_without_restarting()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/x")])));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A", remove: "remove --purge"), [File("/a/x")])), state);

        plan.Decisions.Single().Action.Should().Be(ComponentAction.RecreateRemoveServices);
        plan.Steps.Select(s => s.Describe()).Should().Equal("delete A remove#0", "create A remove#0", "record state");
        plan.ServiceActions.Should().BeEmpty();
    }

    [Theory]
    [InlineData("startup")]
    [InlineData("install")]
    public void Startup_or_install_services_changed_reinstall_the_whole_component(string which)
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/x")])));
        var changed = which == "startup" ? Standard("A", startup: "start --new") : Standard("A", install: "install --new");

        var plan = SequencePlanner.Plan(Desired(null, (changed, [File("/a/x")])), state);

        plan.Decisions.Single().Action.Should().Be(ComponentAction.Reinstall);
        plan.ServiceActions.Should().Equal("stop A runtime#0", "run A remove#0", "run A install#0", "run A startup#0", "start A runtime#0");
        plan.Steps.Single(s => s.Describe() == "run A install#0").Service!.Command.Should().Be(which == "install" ? "install --new" : "install");
    }

    [Fact]
    public void Added_startup_service_reinstalls_and_the_previous_remove_runs_before_the_current_install()
    {
        var (_, state) = Deployed(Desired(null, (Comp("A", RestartEvent.Component, S(ServiceKind.Runtime, "run"), S(ServiceKind.Remove, "old-remove")), [File("/a/x")])));

        var plan = SequencePlanner.Plan(Desired(null, (Comp("A", RestartEvent.Component, S(ServiceKind.Install, "inst"), S(ServiceKind.Startup, "st"), S(ServiceKind.Runtime, "run"), S(ServiceKind.Remove, "old-remove")), [File("/a/x")])), state);

        plan.Decisions.Single().Reasons.Should().Contain("Install services added (0 -> 1)").And.Contain("Startup services added (0 -> 1)");
        plan.ServiceActions.Should().Equal("stop A runtime#0", "run A remove#0", "run A install#0", "run A startup#0", "start A runtime#0");
    }

    [Fact]
    public void File_with_ChangeEvent_Reinstall_reinstalls_and_ChangeEvent_Ignore_only_transfers()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/pkg.deb", ce: ChangeEvent.Reinstall)]), (Standard("B"), [File("/b/readme", ce: ChangeEvent.Ignore)])));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), [File("/a/pkg.deb", 11, ce: ChangeEvent.Reinstall)]), (Standard("B"), [File("/b/readme", 12, ce: ChangeEvent.Ignore)])), state);

        plan.Decisions.Select(d => d.Action).Should().Equal(ComponentAction.Reinstall, ComponentAction.Update);
        plan.Decisions[0].Reasons.Should().Equal("/a/pkg.deb changed (size 10 -> 11), ChangeEvent=Reinstall");
        plan.ServiceActions.Should().Equal("stop A runtime#0", "run A remove#0", "run A install#0", "run A startup#0", "start A runtime#0");
        plan.FilesToTransfer.Should().Be(2);
        plan.Steps.Single(s => s.Kind == StepKind.TransferFiles).Index.Should().BeGreaterThan(plan.Steps.Single(s => s.Describe() == "run A remove#0").Index);
    }

    [Fact]
    public void Initial_start_restarts_every_component_except_RestartEvent_Ignore()
    {
        var desired = Desired(null, (Standard("A"), [File("/a/x")]), (Standard("B", RestartEvent.Ignore), [File("/b/x")]), (Standard("C"), [File("/c/x")]));
        var (_, state) = Deployed(desired);

        var plan = SequencePlanner.Plan(desired, state, new PlanOptions { InitialStart = true });

        plan.Decisions.Select(d => (d.Component, d.Action)).Should().Equal(("A", ComponentAction.Restart), ("B", ComponentAction.None), ("C", ComponentAction.Restart));
        plan.ServiceActions.Should().Equal("stop C runtime#0", "stop A runtime#0", "run A startup#0", "run C startup#0", "start A runtime#0", "start C runtime#0");
        plan.FilesToTransfer.Should().Be(0);
    }

    [Fact]
    public void Many_changed_files_list_twenty_reasons_and_count_the_rest_but_transfer_every_file()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), Enumerable.Range(0, 500).Select(i => File($"/a/{i}", ce: i == 7 ? ChangeEvent.Restart : ChangeEvent.Ignore)).ToArray())));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), Enumerable.Range(0, 500).Select(i => File($"/a/{i}", i == 7 ? 10 : 11, ce: i == 7 ? ChangeEvent.Restart : ChangeEvent.Ignore)).ToArray())), state);

        plan.FilesToTransfer.Should().Be(499);
        var reasons = plan.Decisions.Single().Reasons;
        reasons.Should().HaveCount(21);
        reasons[^1].Should().Be("and 479 more changed files");
        plan.Decisions.Single().Action.Should().Be(ComponentAction.Update, "the 499 changes are ChangeEvent=Ignore (file 7 is unchanged)");
    }

    [Fact]
    public void A_change_beyond_the_listed_reasons_still_decides_the_action_and_is_named()
    {
        var files = Enumerable.Range(0, 100).Select(i => File($"/a/{i}", ce: i == 90 ? ChangeEvent.Reinstall : ChangeEvent.Ignore)).ToArray();
        var (_, state) = Deployed(Desired(null, (Standard("A"), files)));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), Enumerable.Range(0, 100).Select(i => File($"/a/{i}", 11, ce: i == 90 ? ChangeEvent.Reinstall : ChangeEvent.Ignore)).ToArray())), state);

        plan.Decisions.Single().Action.Should().Be(ComponentAction.Reinstall);
        plan.Decisions.Single().Reasons.Should().Contain("/a/90 changed (size 10 -> 11), ChangeEvent=Reinstall");
        plan.Decisions.Single().Reasons[^1].Should().Be("and 79 more changed files");
    }

    [Fact]
    public void First_deploy_without_state_installs_every_component_in_dependency_order()
    {
        var a = Standard("A") with { DependsOn = ["B"] };
        var desired = new DesiredTarget(new TargetDefinition("t") { Components = [a, Standard("B")] }, [], [new DesiredComponent(Standard("B"), [File("/b/x")]), new DesiredComponent(a, [File("/a/x")])]);

        var plan = SequencePlanner.Plan(desired, null);

        plan.Decisions.Should().OnlyContain(d => d.Action == ComponentAction.Install && d.Reasons.Contains("first deploy: no state on the target"));
        plan.ServiceActions.Should().Equal("run B install#0", "run A install#0", "run B startup#0", "run A startup#0", "start B runtime#0", "start A runtime#0");
    }

    [Fact]
    public void RestartEvent_Target_restart_leaves_Ignore_components_running()
    {
        var desired = Desired(null, (Standard("Data", RestartEvent.Target), [File("/d/conf")]), (Standard("Quiet", RestartEvent.Ignore), [File("/q/x")]), (Standard("B"), [File("/b/x")]));
        var (_, state) = Deployed(desired);

        var plan = SequencePlanner.Plan(Desired(null, (Standard("Data", RestartEvent.Target), [File("/d/conf", 99)]), (Standard("Quiet", RestartEvent.Ignore), [File("/q/x")]), (Standard("B"), [File("/b/x")])), state);

        plan.Decisions.Select(d => d.Action).Should().Equal(ComponentAction.Restart, ComponentAction.None, ComponentAction.Restart);
        plan.ServiceActions.Should().NotContain(a => a.Contains("Quiet", StringComparison.Ordinal));
    }

    [Fact]
    public void Removed_component_is_stopped_its_remove_services_run_and_its_files_and_services_are_deleted()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/x")]), (Standard("Gone"), [File("/g/x"), File("/g/y")])));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), [File("/a/x")])), state);

        plan.Decisions.Single(d => d.Component == "Gone").Action.Should().Be(ComponentAction.Remove);
        plan.ServiceActions.Should().Equal("stop Gone runtime#0", "run Gone remove#0");
        plan.Steps.Single(s => s.Kind == StepKind.DeleteFiles).Paths.Should().BeEquivalentTo("/g/x", "/g/y");
        plan.Steps.Count(s => s.Kind == StepKind.DeleteService).Should().Be(4);
        plan.NewState.Components.Select(c => c.Name).Should().Equal("A");
    }

    [Fact]
    public void Same_size_rewrite_within_the_same_second_is_a_change_at_full_precision()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/x", 10, ticks: 1_000_000)])));

        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), [File("/a/x", 10, ticks: 3_000_000)])), state);

        plan.Decisions.Single().Action.Should().Be(ComponentAction.Restart);
        plan.Decisions.Single().Reasons.Single().Should().Contain("mtime 2026-01-01T00:00:00.1000000Z -> 2026-01-01T00:00:00.3000000Z");
    }

    [Fact]
    public void Plan_round_trips_through_json_and_prints_every_reason()
    {
        var (_, state) = Deployed(Desired(null, (Standard("A"), [File("/a/types.py", 120)])));
        var plan = SequencePlanner.Plan(Desired(null, (Standard("A"), [File("/a/types.py", 133)])), state);

        var copy = Plan.FromJson(plan.ToJson());

        copy.Steps.Select(s => (s.Kind, s.Reason, s.Describe())).Should().Equal(plan.Steps.Select(s => (s.Kind, s.Reason, s.Describe())));
        copy.NewState.Components.Single().Files.Single().Entry.Should().Be(plan.NewState.Components.Single().Files.Single().Entry);
        plan.ToText().Should().Contain("because /a/types.py changed (size 120 -> 133), ChangeEvent=Restart").And.Contain("stop A runtime#0");
    }

    [Fact]
    public void Dependency_cycle_is_rejected_with_ModelInvalid()
    {
        var act = () => TargetBuilder.Create("t")
            .AddComponent("A", c => c.DependsOn("B"))
            .AddComponent("B", c => c.DependsOn("A"))
            .Build();

        act.Should().Throw<Errors.DeployException>().Where(e => e.Code == Errors.DeployErrorCode.ModelInvalid && e.Message.Contains("cycle"));
    }
}
