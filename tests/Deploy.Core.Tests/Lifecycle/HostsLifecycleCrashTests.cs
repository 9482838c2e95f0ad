using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>A service whose process dies right after it starts fails the lifecycle run (the sequence engine's runtime
/// settle watch, ErrorHandling=Component; with parallelism the lifecycle's own watch of the same period, outside the
/// apply), which is then rolled back.</summary>
[Collection(LifecycleHostsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HostsLifecycleCrashTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)] // the dependency graph: the settle watch runs outside the apply, after web's placement returned
    public async Task An_install_whose_service_process_exits_at_once_fails_naming_the_service_and_is_rolled_back(int parallel)
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), parallel == 1 ? "lc-crash" : "lc-crash-graph", parallel == 1 ? 18290 : 18370);
        var yaml = Path.Combine(p.Directory, "web", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("command: \"exec python3 ", "command: \"exec sh -c 'echo web cannot start >&2; exit 3' ", StringComparison.Ordinal));

        var input = await p.InputAsync();
        var install = () => Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = parallel }, Log());
        var e = (await install.Should().ThrowAsync<DeployException>()).Which;
        _output.WriteLine(e.Message);
        e.Service.Should().Be("web");
        e.Message.Should().Contain("rolled back").And.Contain("exit");
        (await p.PidsAsync(Host("centos"))).Should().BeEmpty("the rollback removed api and web");
        (await p.PidsAsync(Host("debian"))).Should().BeEmpty("and db");
        (await Engine(p).HistoryAsync()).Releases.Single().Outcome.Should().Be(ReleaseOutcome.RolledBack);
    }
}
