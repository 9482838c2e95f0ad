using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary><c>delete</c> when a service's removal itself fails, on three isolated hosts.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleDeleteTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Fact]
    public async Task A_failed_removal_is_left_over_its_dependencies_are_kept_the_rest_is_removed_and_the_next_delete_finishes()
    {
        // web's component runs a remove command that fails while a marker exists; cache (on debian) depends on nothing.
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-delfail", 18430);
        var web = Path.Combine(p.Directory, "web", "service.yaml");
        await File.WriteAllTextAsync(web, (await File.ReadAllTextAsync(web)).Replace("  services:\n", "  services:\n    - { type: Remove, command: \"test ! -e /tmp/lc-delfail-stuck\" }\n", StringComparison.Ordinal));
        CopyTree(Path.Combine(p.Directory, "db"), Path.Combine(p.Directory, "cache"));
        var cache = Path.Combine(p.Directory, "cache", "service.yaml");
        await File.WriteAllTextAsync(cache, (await File.ReadAllTextAsync(cache)).Replace("}}/db", "}}/cache", StringComparison.Ordinal)
            .Replace($"port: {p.Port("db")}", $"port: {(p.PortBase + 5).ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal));
        var input = await p.InputAsync();
        input = input with { Schedule = input.Schedule with { Services = [.. input.Schedule.Services, new ScheduledService("cache", ["debian"])] } };
        await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2 }, Log());
        (await p.PidsAsync(Host("debian"))).Keys.Should().BeEquivalentTo("cache", "db");
        var centos = Host("centos");
        await centos.RunAsync(CommandSpec.Of("touch", "/tmp/lc-delfail-stuck")).ThrowOnFailure();
        var api = (await p.PidsAsync(Host("bclinux")))["api"];

        var result = await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Delete), Log());

        result.LeftOver.Select(l => $"{l.Service}@{l.Host}").Should().Equal("api@bclinux", "api@centos", "db@debian", "web@centos");
        result.LeftOver.Should().OnlyContain(l => l.StillInstalled);
        result.LeftOver.Single(l => l.Service == "web").What.Should().StartWith("its removal failed");
        result.LeftOver.Where(l => l.Service == "api").Should().OnlyContain(l => l.What == "not removed: web depends on it and could not be removed");
        result.LeftOver.Single(l => l.Service == "db").What.Should().Be("not removed: api depends on it and could not be removed");
        (await p.PidsAsync(Host("debian"))).Keys.Should().BeEquivalentTo(new[] { "db" }, "cache, which nothing installed needs, was removed; db is kept for api");
        (await p.PidsAsync(Host("bclinux")))["api"].Should().Be(api, "api was not touched: web still needs it");
        var current = (await Engine(p).HistoryAsync()).Current!;
        current.Services.Select(s => s.Name).Should().Equal("api", "db", "web");
        current.LeftOver.Should().HaveCount(4);

        // Once the cause is gone, the next delete removes what is left.
        await centos.RunAsync(CommandSpec.Of("rm", "/tmp/lc-delfail-stuck")).ThrowOnFailure();
        var again = await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Delete), Log());
        again.Plan.Changes.Select(s => s.Key).Should().BeEquivalentTo("web@centos", "api@bclinux", "api@centos", "db@debian");
        again.LeftOver.Should().BeEmpty();
        foreach (var h in new[] { "centos", "bclinux", "debian" })
        {
            (await p.PidsAsync(Host(h))).Should().BeEmpty();
        }

        (await Engine(p).HistoryAsync()).Current!.Services.Should().BeEmpty();
    }
}
