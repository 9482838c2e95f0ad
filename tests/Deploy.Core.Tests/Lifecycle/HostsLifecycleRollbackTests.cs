using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>Rollback with no package: release payloads kept on the targets (bounded), on three isolated hosts.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecycleRollbackTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Fact]
    public async Task Rollback_with_no_package_restores_the_previous_release_from_the_payload_kept_on_the_targets()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-rbnp", 18400);
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        await UpgradeApiAsync(p, "2.0.0");
        var centos = Host("centos");
        var app = $"{p.BaseDir}/api/app/app.py";
        (await ReadAsync(centos, app)).Should().Contain("# build 2.0.0");
        var web = (await p.PidsAsync(centos))["web"];
        var api = (await p.PidsAsync(centos))["api"];
        Directory.Delete(p.Directory, recursive: true);

        var input = await Engine(p).ReleaseInputAsync(null, _temp.Combine("restored"));
        var result = await Engine(p).RunAsync(input, new LifecycleRequest(LifecycleOperation.Rollback), Log());

        result.Plan.Changes.Select(c => (c.Key, c.Action)).Should().BeEquivalentTo(new[] { ("api@bclinux", LifecycleAction.Upgrade), ("api@centos", LifecycleAction.Upgrade) });
        result.Release.Version.Should().Be("1.0.0");
        foreach (var name in new[] { "centos", "bclinux" })
        {
            var h = Host(name);
            (await ReadAsync(h, app)).Should().NotContain("# build 2.0.0", "the v1 files are back on {0}", name);
            (await ReadAsync(h, $"{p.BaseDir}/api/app.conf")).Should().Contain("version=1.0.0\n");
        }

        var pids = await p.PidsAsync(centos);
        pids["api"].Should().NotBe(api, "api runs again, restarted with its v1 files");
        pids["web"].Should().Be(web, "web was not touched");
        (await Engine(p).AppTestAsync(input, ["api"])).Passed.Should().BeTrue("the restored api answers its test");
        var history = await Engine(p).HistoryAsync();
        history.Current!.Services.Single(s => s.Name == "api").Digest.Should().Be(history.Get(1)!.Services.Single(s => s.Name == "api").Digest);
    }

    [Fact]
    public async Task Rollback_with_no_package_to_a_release_whose_payload_was_pruned_is_a_typed_error_naming_the_service()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-rbprune", 18410);
        var engine = new LifecycleEngine(ShopProduct.Backend(Hosts, p.Name, _opened)) { KeptReleasePayloads = 1 };
        await engine.RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        var payloads = $"/var/lib/deploy-lifecycle/{p.Name}/payloads";
        (await Digests(Host("centos"), $"{payloads}/api")).Should().HaveCount(1);
        (await Digests(Host("debian"), $"{payloads}/api")).Should().BeEmpty("api's folder is kept where api runs");
        (await Digests(Host("debian"), $"{payloads}/db")).Should().HaveCount(1);

        await File.AppendAllTextAsync(Path.Combine(p.Directory, "api", "app", "app.py"), "# build 2.0.0\n");
        await engine.RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log());

        (await Digests(Host("centos"), $"{payloads}/api")).Should().HaveCount(1, "only the last release keeps its payload");
        var restore = () => engine.ReleaseInputAsync(1, _temp.Combine("restored"));
        var error = (await restore.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.ReleasePayloadMissing);
        error.Service.Should().Be("api");
        error.Message.Should().Contain("release 1").And.Contain("pruned").And.Contain("give the package");
    }

    [Fact]
    public async Task A_placed_file_a_hook_edited_is_kept_for_rollback_as_packaged_not_as_edited()
    {
        // api's upgrade hook edits a file the sequence engine placed: the payload's copy of it, taken on the target
        // from the placed file, no longer matches the package, so the payload store must upload that file instead.
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-rbedit", 18520, new Dictionary<string, string> { ["api"] = "  upgrade: { command: \"echo '# edited on the host' >> {{ base_dir }}/api/app/app.py\", timeout: 30s }" });
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());

        await UpgradeApiAsync(p, "2.0.0");

        var packaged = await File.ReadAllTextAsync(Path.Combine(p.Directory, "api", "app", "app.py"));
        var kept = $"/var/lib/deploy-lifecycle/{p.Name}/payloads/api/{(await p.LoadAsync()).GetService("api").Digest}";
        foreach (var name in new[] { "centos", "bclinux" })
        {
            var h = Host(name);
            (await ReadAsync(h, $"{p.BaseDir}/api/app/app.py")).Should().Be(packaged + "# edited on the host\n", "the hook ran after the placement on {0}", name);
            (await ReadAsync(h, kept + "/app/app.py")).Should().Be(packaged, "the payload on {0} holds the package's file, not the edited one", name);
            (await h.StatAsync(kept + "/app/test.sh")).Should().NotBeNull("the unedited files are copied on {0}", name);
            (await h.StatAsync(kept + "/service.yaml")).Should().NotBeNull();
            (await h.StatAsync(kept + "/.complete")).Should().NotBeNull("the payload on {0} is whole", name);
        }
    }

    private async Task UpgradeApiAsync(ShopProduct p, string version)
    {
        var yaml = Path.Combine(p.Directory, "api", "service.yaml");
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("version: 1.0.0", $"version: {version}"));
        await File.AppendAllTextAsync(Path.Combine(p.Directory, "api", "app", "app.py"), $"# build {version}\n");
        await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Upgrade), Log());
    }

    private static async Task<IReadOnlyList<string>> Digests(IHost host, string dir) =>
        (await host.ListTreeAsync(dir)).Where(f => f.Kind == FileKind.Directory && !f.Path.Contains('/', StringComparison.Ordinal)).Select(f => f.Path).ToList();
}
