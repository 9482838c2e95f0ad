using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

public class ServiceOrderTests
{
    private static ServiceDefinition S(string name, ProductServiceKind kind = ProductServiceKind.App, params string[] deps) =>
        new(name, kind, SemVersion.Parse("1.0.0", SemVersionStyles.Strict)) { DependsOn = deps };

    private static readonly ProductDefinition Shop = new("shop", SemVersion.Parse("1.0.0", SemVersionStyles.Strict))
    {
        Services =
        [
            S("api", ProductServiceKind.App, "db", "cache"),
            S("cache", ProductServiceKind.Middleware),
            S("db", ProductServiceKind.Middleware),
            S("jaeger", ProductServiceKind.Addon, "api"),
            S("web", ProductServiceKind.App, "api"),
            S("worker", ProductServiceKind.App, "db"),
        ],
    };

    [Fact]
    public void Default_selection_is_apps_and_middleware_in_dependency_order_with_parallel_waves()
    {
        var s = ServiceOrder.Select(Shop);
        s.Names.Should().Equal("cache", "db", "api", "worker", "web");
        s.Waves.Select(w => w.Select(x => x.Name)).Should().BeEquivalentTo(
            new[] { new[] { "cache", "db" }, new[] { "api", "worker" }, new[] { "web" } }, o => o.WithStrictOrdering());
        s.RemovalOrder.Select(x => x.Name).Should().Equal("web", "worker", "api", "db", "cache");
        s.RemovalWaves[0].Select(x => x.Name).Should().Equal("web");
    }

    [Fact]
    public void Services_option_selects_only_those_and_keeps_their_order()
    {
        ServiceOrder.Select(Shop, ["web", "api"]).Names.Should().Equal("api", "web");
    }

    [Fact]
    public void Include_dependencies_pulls_in_what_the_selection_needs()
    {
        ServiceOrder.Select(Shop, ["web"], includeDependencies: true).Names.Should().Equal("cache", "db", "api", "web");
    }

    [Fact]
    public void Addons_are_installed_only_when_asked_for()
    {
        ServiceOrder.Select(Shop).Names.Should().NotContain("jaeger");
        var names = ServiceOrder.Select(Shop, addOns: ["jaeger"]).Names.ToList();
        names.Should().Contain("jaeger");
        names.IndexOf("jaeger").Should().BeGreaterThan(names.IndexOf("api"));
    }

    [Fact]
    public void Unknown_service_is_UnknownService_naming_it_and_the_known_ones()
    {
        var act = () => ServiceOrder.Select(Shop, ["api", "ocr_core"]);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.UnknownService && e.Path == "ocr_core" && e.Message.Contains("'ocr_core'") && e.Message.Contains("worker"));
    }

    [Fact]
    public void Third_naming_a_non_addon_is_rejected()
    {
        var act = () => ServiceOrder.Select(Shop, addOns: ["db"]);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument && e.Message.Contains("not an add-on"));
    }

    [Fact]
    public void Self_dependency_is_a_cycle()
    {
        var p = Shop with { Services = [S("a", ProductServiceKind.App, "a")] };
        var act = () => ServiceOrder.Validate(p);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.DependencyCycle && e.Message.Contains("a -> a"));
    }
}
