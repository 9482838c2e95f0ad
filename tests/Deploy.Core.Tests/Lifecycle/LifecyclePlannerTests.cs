using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

public class LifecyclePlannerTests
{
    private static ServiceDefinition Service(string name, ProductServiceKind kind, string digest, params string[] dependsOn) =>
        new(name, kind, SemVersion.Parse("1.0.0", SemVersionStyles.Strict)) { DependsOn = dependsOn, Digest = digest };

    private static readonly ProductDefinition Product = new("shop", SemVersion.Parse("2.0.0", SemVersionStyles.Strict))
    {
        Services =
        [
            Service("api", ProductServiceKind.App, "a2", "db"),
            Service("db", ProductServiceKind.Middleware, "d1"),
            Service("jaeger", ProductServiceKind.Addon, "j1"),
            Service("web", ProductServiceKind.App, "w1", "api"),
        ],
    };

    private static readonly Schedule Placement = new("shop",
    [
        new ScheduledService("api", ["h1", "h2"]),
        new ScheduledService("db", ["h3"]),
        new ScheduledService("jaeger", ["h3"]),
        new ScheduledService("web", ["h1"]),
    ]);

    private static ReleaseRecord Installed(params (string Name, string Digest, string[] Hosts)[] services) =>
        new(4, "shop", "1.0.0", LifecycleOperation.Install) { Services = services.Select(s => new ServiceRelease(s.Name, "1.0.0", s.Digest, s.Hosts)).ToList() };

    [Fact]
    public void Install_all_places_every_app_and_middleware_on_its_hosts_in_dependency_waves_without_add_ons()
    {
        var plan = LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install), null);

        plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => s.Key))).Should().Equal("db@h3", "api@h1,api@h2", "web@h1");
        plan.Steps.Should().OnlyContain(s => s.Action == LifecycleAction.Install && s.Reason == "not installed");
        plan.BaseRelease.Should().BeNull();
    }

    [Fact]
    public void Install_of_one_service_adds_its_missing_dependencies_with_the_reason_and_keeps_installed_ones()
    {
        var plan = LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install) { Services = ["web"], AddOns = ["jaeger"] }, Installed(("db", "d1", ["h3"])));

        plan.Steps.Select(s => (s.Key, s.Action)).Should().BeEquivalentTo(new[]
        {
            ("db@h3", LifecycleAction.Keep), ("jaeger@h3", LifecycleAction.Install), ("api@h1", LifecycleAction.Install), ("api@h2", LifecycleAction.Install), ("web@h1", LifecycleAction.Install),
        });
        plan.Steps.Single(s => s.Key == "api@h1").Reason.Should().Be("not installed; needed by web");
        plan.Steps.Single(s => s.Key == "db@h3").Reason.Should().Be("already installed at 1.0.0 with the same content");
        plan.BaseRelease.Should().Be(4);
    }

    [Fact]
    public void Upgrade_touches_only_services_whose_digest_changed_and_says_so()
    {
        var plan = LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Upgrade), Installed(("api", "a1", ["h1", "h2"]), ("db", "d1", ["h3"]), ("web", "w1", ["h1"])));

        plan.Changes.Select(s => s.Key).Should().Equal("api@h1", "api@h2");
        plan.Changes.Should().OnlyContain(s => s.Action == LifecycleAction.Upgrade && s.Reason.Contains("digest a1 -> a2"));
        plan.Steps.Where(s => s.Action == LifecycleAction.Keep).Select(s => s.Key).Should().BeEquivalentTo("db@h3", "web@h1");
        plan.Steps.Should().NotContain(s => s.Service == "jaeger", "an add-on that is not installed is not upgraded");
    }

    [Fact]
    public void Delete_all_removes_installed_services_in_reverse_dependency_order()
    {
        var plan = LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Delete), Installed(("api", "a1", ["h1", "h2"]), ("db", "d1", ["h3"]), ("web", "w1", ["h1"])));

        plan.Waves.Select(w => string.Join(",", w.Steps.Select(s => s.Key))).Should().Equal("web@h1", "api@h1,api@h2", "db@h3");
        plan.Steps.Should().OnlyContain(s => s.Action == LifecycleAction.Remove);
    }

    [Fact]
    public void Plan_round_trips_through_json_and_prints_a_reason_per_step()
    {
        var plan = LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 3, AutoTest = true }, null);

        var back = LifecyclePlan.FromJson(plan.ToJson());
        back.ToJson().Should().Be(plan.ToJson());
        back.Steps.Should().Equal(plan.Steps);
        plan.ToJson().Should().Contain("\"operation\":\"install\"").And.Contain("\"reason\":\"not installed\"");
        plan.ToText().Should().Contain("install  api on h2: not installed").And.Contain("parallel 3, auto-test");
    }

    [Fact]
    public void Bad_requests_are_typed_errors_naming_the_service()
    {
        var unknown = () => LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install) { Services = ["nope"] }, null);
        unknown.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.UnknownService && e.Path == "nope");

        var notAddOn = () => LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install) { AddOns = ["db"] }, null);
        notAddOn.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument);

        var unplaced = () => LifecyclePlanner.Plan(Product, Placement with { Services = [.. Placement.Services.Where(s => s.Service != "db"), new ScheduledService("db", [])] }, new LifecycleRequest(LifecycleOperation.Install), null);
        unplaced.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ScheduleInvalid && e.Path == "db");

        var parallel = () => LifecyclePlanner.Plan(Product, Placement, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 0 }, null);
        parallel.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument);
    }

    [Fact]
    public void History_merges_hosts_by_number_and_current_is_the_newest_release_on_all_its_hosts()
    {
        var r1 = Installed(("db", "d1", ["h1", "h2"])) with { Number = 1 };
        var r2 = Installed(("db", "d2", ["h1", "h2"])) with { Number = 2 };
        var history = ReleaseHistory.Merge(new Dictionary<string, IReadOnlyList<ReleaseRecord>>
        {
            ["h1"] = [r1, r2],
            ["h2"] = [r1],
        });

        history.Releases.Select(r => r.Number).Should().Equal(1, 2);
        history.Holders[2].Should().Equal("h1");
        history.Current!.Number.Should().Be(1, "release 2 is on h1 only, so it is not consistent");
        history.NextNumber.Should().Be(3);
    }
}
