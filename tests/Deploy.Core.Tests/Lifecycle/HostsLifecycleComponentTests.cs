using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary><c>component --action configmap|restart</c> and <c>middleware --action ...</c> on the three isolated hosts.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleComponentTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Fact]
    public async Task Configmap_rerenders_with_new_site_values_keeps_a_user_edit_restarts_only_that_service_and_a_conflict_stops_it_at_plan_time()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-cm", 18350);
        var input = await p.InputAsync();
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log());
        var centos = Host("centos");
        var conf = $"{p.BaseDir}/api/app.conf";
        await centos.RunAsync(CommandSpec.Of("sh", "-c", "echo custom=kept-by-user >> \"$1\"", "sh", conf)).ThrowOnFailure();
        var before = await p.PidsAsync(centos);

        var debug = input with { SiteValues = new Dictionary<string, object?> { ["log_level"] = "debug" } };
        var result = await Engine(p).RunAsync(debug, new LifecycleRequest(LifecycleOperation.Configure) { Services = ["api"] }, Log());

        result.Plan.Changes.Select(s => (s.Key, s.Action)).Should().BeEquivalentTo(new[] { ("api@bclinux", LifecycleAction.Configure), ("api@centos", LifecycleAction.Configure) });
        result.Plan.Configs.Should().Contain(c => c.Host == "centos" && c.Reason == "edit on the target kept, package changes merged");
        (await ReadAsync(centos, conf)).Should().Contain("log_level=debug\n").And.Contain("custom=kept-by-user\n");
        (await ReadAsync(Host("bclinux"), conf)).Should().Contain("log_level=debug\n");
        var after = await p.PidsAsync(centos);
        after["api"].Should().NotBe(before["api"], "api was restarted");
        after["web"].Should().Be(before["web"], "web was not touched");
        result.Release.Operation.Should().Be(LifecycleOperation.Configure);
        result.Release.Services.Single(s => s.Name == "api").Configs.Single(c => c.Host == "bclinux").Content.Should().Contain("log_level=debug\n", "the new render is the base of the next merge");

        // The user sets log_level on bclinux; the site values change it too: a conflict, reported before any change.
        await Host("bclinux").RunAsync(CommandSpec.Of("sed", "-i", "s/^log_level=debug$/log_level=warn/", conf)).ThrowOnFailure();
        var error = input with { SiteValues = new Dictionary<string, object?> { ["log_level"] = "error" } };
        var conflict = () => Engine(p).PlanAsync(error, new LifecycleRequest(LifecycleOperation.Configure) { Services = ["api"] });
        var e = (await conflict.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.MergeConflict);
        e.Host.Should().Be("bclinux");
        e.Message.Should().Contain("log_level=warn").And.Contain("log_level=error");
    }

    [Fact]
    public async Task Restart_restarts_only_the_named_service_and_middleware_actions_act_on_one_middleware()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-mw", 18360);
        var input = await p.InputAsync();

        var notMiddleware = () => LifecycleRequest.ForMiddleware(input.Product, LifecycleOperation.Install, "api");
        notMiddleware.Should().Throw<DeployException>().Where(x => x.Code == DeployErrorCode.InvalidArgument && x.Service == "api");
        var unknown = () => LifecycleRequest.ForMiddleware(input.Product, LifecycleOperation.Install, "mysql");
        unknown.Should().Throw<DeployException>().Where(x => x.Code == DeployErrorCode.UnknownService && x.Path == "mysql");

        // middleware --action install --middleware db: only db.
        var installed = await Engine(p).RunAsync(input, LifecycleRequest.ForMiddleware(input.Product, LifecycleOperation.Install, "db"), Log());
        installed.Plan.Changes.Select(s => s.Key).Should().Equal("db@debian");
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install), Log());
        var centos = await p.PidsAsync(Host("centos"));
        var db = (await p.PidsAsync(Host("debian")))["db"];

        var restart = await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Restart) { Services = ["web"] }, Log());
        restart.Plan.Changes.Select(s => s.Key).Should().Equal("web@centos");
        var now = await p.PidsAsync(Host("centos"));
        now["web"].Should().NotBe(centos["web"]);
        now["api"].Should().Be(centos["api"]);
        (await Engine(p).AppTestAsync(input, ["web"])).Passed.Should().BeTrue("web answers after its restart");

        // middleware --action delete --middleware db while api (installed) depends on it: refused, naming api.
        var delete = () => Engine(p).PlanAsync(input, LifecycleRequest.ForMiddleware(input.Product, LifecycleOperation.Delete, "db"));
        (await delete.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("would break api");
        (await p.PidsAsync(Host("debian")))["db"].Should().Be(db);

        // middleware --action reset --middleware db: only db's reset hook (none here: nothing to wipe).
        (await Engine(p).ResetAsync(input, p.Name, dryRun: true, services: ["db"])).Steps.Should().BeEmpty();
    }
}
