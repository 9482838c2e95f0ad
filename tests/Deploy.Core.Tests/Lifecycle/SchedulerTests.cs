using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

public class SchedulerTests
{
    private static readonly HostInventory Inventory = HostInventory.Parse("""
        hosts:
          node-1: { address: 127.0.0.2, labels: { role: app, zone: a } }
          node-2: { address: 127.0.0.3, labels: { role: app, zone: b } }
          node-3: { address: 127.0.0.4, labels: { zone: a } }
        groups:
          data: { hosts: [node-3] }
        """, "inventory.yaml");

    private static ServiceDefinition S(string name, ServicePlacement? placement = null, ResourceNeeds? needs = null, params string[] deps) =>
        new(name, ProductServiceKind.App, SemVersion.Parse("1.0.0", SemVersionStyles.Strict)) { Placement = placement ?? new(), Needs = needs ?? ResourceNeeds.None, DependsOn = deps };

    private static ProductDefinition P(params ServiceDefinition[] services) => new("shop", SemVersion.Parse("1.0.0", SemVersionStyles.Strict)) { Services = services };

    [Fact]
    public void Places_by_role_group_and_labels_with_replicas()
    {
        var p = P(
            S("api", new ServicePlacement { Roles = ["app"], Replicas = 2 }),
            S("db", new ServicePlacement { Roles = ["data"] }),
            S("agent", new ServicePlacement { Replicas = null }),
            S("edge", new ServicePlacement { Labels = [KeyValuePair.Create("zone", "b")] }));
        var s = Scheduler.CreateDefault(p, Inventory);
        s.HostsOf("api").Should().Equal("node-1", "node-2");
        s.HostsOf("db").Should().Equal("node-3");
        s.HostsOf("agent").Should().Equal("node-1", "node-2", "node-3");
        s.HostsOf("edge").Should().Equal("node-2");
        s.Services.Select(x => x.Service).Should().Equal("agent", "api", "db", "edge");
        s.ServicesOn("node-3").Should().Equal("agent", "db");
        Inventory.Hosts.Should().Contain(h => h.IsImplicit);
        s.Hosts.Should().NotContain("local");
    }

    [Fact]
    public void Spreads_services_to_the_least_loaded_host()
    {
        var big = new ResourceNeeds { Cpu = 2, MemoryBytes = 4L << 30 };
        var p = P(S("a", needs: big), S("b", needs: big), S("c", needs: big), S("d", needs: new ResourceNeeds { Cpu = 0.1 }));
        var s = Scheduler.CreateDefault(p, Inventory);
        new[] { "a", "b", "c" }.Select(x => s.HostsOf(x).Single()).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Two_services_on_the_same_port_are_not_placed_on_one_host()
    {
        var port = new ResourceNeeds { Ports = [8080] };
        var p = P(S("a", new ServicePlacement { Roles = ["app"] }, port), S("b", new ServicePlacement { Roles = ["app"] }, port));
        var s = Scheduler.CreateDefault(p, Inventory);
        s.HostsOf("a").Should().NotIntersectWith(s.HostsOf("b"));
    }

    [Fact]
    public void Too_few_eligible_hosts_is_ScheduleInvalid_naming_the_service()
    {
        var act = () => Scheduler.CreateDefault(P(S("api", new ServicePlacement { Roles = ["app"], Replicas = 3 })), Inventory);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ScheduleInvalid && e.Path == "api" && e.Message.Contains("needs 3 host(s)"));
        var none = () => Scheduler.CreateDefault(P(S("gpu", new ServicePlacement { Roles = ["gpu"] })), Inventory);
        none.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ScheduleInvalid && e.Message.Contains("no host"));
    }

    [Fact]
    public void Written_schedule_is_byte_identical_for_identical_input_and_round_trips()
    {
        var p = P(S("web", deps: "api"), S("api", new ServicePlacement { Roles = ["app"], Replicas = 2 }), S("db", new ServicePlacement { Roles = ["data"] }));
        var a = ScheduleYaml.Write(Scheduler.CreateDefault(p, Inventory));
        var b = ScheduleYaml.Write(Scheduler.CreateDefault(p, HostInventory.Parse("""
            hosts:
              node-1: { address: 127.0.0.2, labels: { role: app, zone: a } }
              node-2: { address: 127.0.0.3, labels: { role: app, zone: b } }
              node-3: { address: 127.0.0.4, labels: { zone: a } }
            groups:
              data: { hosts: [node-3] }
            """, "inventory.yaml")));
        a.Should().Be(b);
        a.Should().Be("# Which services run on which hosts. Edit, then: deploy schedule apply -c scheduled.yaml\nproduct: shop\nservices:\n  api: [node-1, node-2]\n  db: [node-3]\n  web: [node-1]\n");
        ScheduleYaml.Parse(a, p, Inventory).Should().BeEquivalentTo(Scheduler.CreateDefault(p, Inventory));
    }

    [Theory]
    [InlineData("product: shop\nservices:\n  api: [node-1, node-9]\n", DeployErrorCode.ScheduleInvalid, "scheduled.yaml:3:", "unknown host 'node-9'")]
    [InlineData("product: shop\nservices:\n  nope: [node-1]\n", DeployErrorCode.UnknownService, "scheduled.yaml:3:", "unknown service 'nope'")]
    [InlineData("product: other\nservices: {}\n", DeployErrorCode.ScheduleInvalid, "scheduled.yaml:1:", "not for 'shop'")]
    [InlineData("product: shop\nservices:\n  api: [node-1, node-1]\n", DeployErrorCode.ScheduleInvalid, "scheduled.yaml:3:", "listed twice")]
    [InlineData("product: shop\nservices:\n  api: []\n", DeployErrorCode.ScheduleInvalid, "scheduled.yaml:3:", "no host")]
    [InlineData("product: shop\nservice: {}\n", DeployErrorCode.InvalidConfiguration, "scheduled.yaml:2:", "unknown field")]
    public void Invalid_schedule_file_is_a_typed_error_with_line(string yaml, DeployErrorCode code, string where, string message)
    {
        var act = () => ScheduleYaml.Parse(yaml, P(S("api")), Inventory);
        act.Should().Throw<DeployException>().Where(e => e.Code == code && e.Message.StartsWith(where) && e.Message.Contains(message));
    }

    [Fact]
    public void Changes_list_hosts_to_add_and_remove_per_moved_service()
    {
        var now = new Schedule("shop", [new ScheduledService("api", ["node-1"]), new ScheduledService("db", ["node-3"])]);
        var next = new Schedule("shop", [new ScheduledService("api", ["node-2"]), new ScheduledService("db", ["node-3"])]);
        next.ChangesFrom(now).Should().BeEquivalentTo(new[] { new ScheduleChange("api", ["node-2"], ["node-1"]) });
    }

    [Fact]
    public void Schedule_without_a_service_says_so_when_asked()
    {
        var act = () => new Schedule("shop", []).HostsOf("api");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ScheduleInvalid);
    }
}
