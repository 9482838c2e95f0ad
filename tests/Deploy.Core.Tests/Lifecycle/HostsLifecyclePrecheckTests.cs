using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>Precheck gating install on the three isolated hosts (centos, bclinux, debian): strict failures block,
/// warnings do not, the files are byte-identical, and an edited scheduled.yaml places the services.</summary>
[Trait("Category", "Integration")]
[Collection(LifecycleHostsCollection.Name)]
public sealed class HostsLifecyclePrecheckTests(IsolatedHostsFixture fixture, ITestOutputHelper output) : HostsLifecycleTestBase(fixture, output)
{
    [Fact]
    public async Task Install_is_blocked_by_a_host_with_the_wrong_os_release_and_goes_on_when_the_check_only_warns()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-pre-os", 18300);
        var yaml = Path.Combine(p.Directory, "product.yaml");
        await File.AppendAllTextAsync(yaml, "osRelease: centos,bclinux\n");

        var blocked = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install), Log());
        var e = (await blocked.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.PrecheckFailed);
        e.Host.Should().Be("debian", "db is scheduled on the debian host, which the product does not support");
        e.Path.Should().Be(CheckNames.OsRelease);
        e.Message.Should().Contain("debian: os_release: the product supports centos,bclinux but the host is 'debian'");
        foreach (var h in new[] { "centos", "bclinux", "debian" })
        {
            (await p.PidsAsync(Host(h))).Should().BeEmpty($"nothing was installed on {h}");
            (await Host(h).StatAsync(p.BaseDir)).Should().BeNull();
        }

        (await Engine(p).HistoryAsync()).Releases.Should().BeEmpty("a blocked install records nothing");

        var warnOnly = new PrecheckOptions { Severities = new Dictionary<string, CheckSeverity> { [CheckNames.OsRelease] = CheckSeverity.Warn } };
        var events = new List<LifecycleProgress>();
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Precheck = warnOnly }, Log(events));
        result.Release.Number.Should().Be(1);
        result.Precheck!.Warnings.Should().ContainSingle().Which.Should().Match<CheckOutcome>(o => o.Host == "debian" && o.Check == CheckNames.OsRelease);
        events.Should().Contain(ev => ev.Kind == LifecycleEventKind.Warning && ev.Message.StartsWith("[debian] precheck os_release:", StringComparison.Ordinal));
        (await p.PidsAsync(Host("debian"))).Keys.Should().Equal("db");
    }

    [Fact]
    public async Task A_busy_port_fails_the_install_when_strict_and_only_warns_when_configured_to()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-pre-port", 18310);
        var port = p.Port("api");
        var api = Path.Combine(p.Directory, "api", "service.yaml");
        await File.WriteAllTextAsync(api, (await File.ReadAllTextAsync(api)).Replace("component:\n", $"needs: {{ ports: [{port}] }}\ncomponent:\n", StringComparison.Ordinal));

        // Something else listens on api's port (on 127.0.0.1: the hosts share the machine's network, each on its own address).
        using var squatter = new TcpListener(IPAddress.Loopback, port);
        squatter.Start();

        var strict = () => Engine(p).RunAsync(p.InputAsync().Result, new LifecycleRequest(LifecycleOperation.Install), Log());
        var e = (await strict.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.PrecheckFailed);
        e.Host.Should().Be("bclinux", "hosts are reported in name order and api runs on bclinux and centos");
        e.Path.Should().Be(CheckNames.Ports);
        e.Message.Should().Contain($"bclinux: ports: port {port} (for api) is already in use").And.Contain($"centos: ports: port {port} (for api)");
        (await p.PidsAsync(Host("debian"))).Should().BeEmpty("db, in the first wave, was not installed either");

        var warn = new PrecheckOptions { Severities = new Dictionary<string, CheckSeverity> { [CheckNames.Ports] = CheckSeverity.Warn } };
        var result = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install) { Precheck = warn }, Log());
        result.Precheck!.Warnings.Select(w => (w.Host, w.Check)).Should().BeEquivalentTo(new[] { ("bclinux", CheckNames.Ports), ("centos", CheckNames.Ports) });
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api", "web");

        // Installed services are not checked again: a second install (nothing to do) passes the strict gate.
        var again = await Engine(p).RunAsync(await p.InputAsync(), new LifecycleRequest(LifecycleOperation.Install), Log());
        again.Plan.IsEmpty.Should().BeTrue();
        again.Precheck.Should().BeNull();
    }

    [Fact]
    public async Task Precheck_files_are_byte_identical_across_runs_and_an_edited_schedule_places_the_install()
    {
        var p = await ShopProduct.WriteAsync(_temp.Combine("shop"), "lc-pre-files", 18320);
        var input = await p.InputAsync();
        var first = await Engine(p).PrecheckAsync(input);
        var second = await Engine(p).PrecheckAsync(input);
        first.Blocking.Should().BeFalse(first.ToYaml());
        await PrecheckRunner.WriteFilesAsync(_temp.Combine("one"), first);
        await PrecheckRunner.WriteFilesAsync(_temp.Combine("two"), second);
        foreach (var f in new[] { PrecheckRunner.CheckResultFile, PrecheckRunner.ScheduleFile })
        {
            (await File.ReadAllBytesAsync(_temp.Combine("two", f))).Should().Equal(await File.ReadAllBytesAsync(_temp.Combine("one", f)), f);
        }

        var checkResult = await File.ReadAllTextAsync(_temp.Combine("one", PrecheckRunner.CheckResultFile));
        checkResult.Should().StartWith("product: lc-pre-files\nresult: pass\nhosts:\n  bclinux:\n    reachable: { status: pass");
        _output.WriteLine(checkResult);

        // --scheduled: the operator moves web to bclinux in scheduled.yaml; the install follows the file.
        var file = _temp.Combine("one", PrecheckRunner.ScheduleFile);
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("web: [centos]", "web: [bclinux]", StringComparison.Ordinal));
        var schedule = await ScheduleYaml.LoadAsync(file, input.Product, Hosts.Inventory());
        var result = await Engine(p).RunAsync(input with { Schedule = schedule }, new LifecycleRequest(LifecycleOperation.Install), Log());
        result.Plan.Steps.Where(s => s.Service == "web").Select(s => s.Host).Should().Equal("bclinux");
        (await p.PidsAsync(Host("bclinux"))).Keys.Should().BeEquivalentTo("api", "web");
        (await p.PidsAsync(Host("centos"))).Keys.Should().BeEquivalentTo("api");
        var health = await Host("bclinux").RunAsync(Core.Hosts.CommandSpec.Of("sh", $"{p.BaseDir}/web/app/test.sh", Hosts["bclinux"].Address, p.Port("web").ToString(CultureInfo.InvariantCulture)));
        health.StandardOutput.Should().Contain("PASS: ok web 1.0.0");
    }
}
