using System.Net;
using System.Net.Sockets;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Testing;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

[Trait("Category", "Integration")]
public sealed class PrecheckRunnerTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>
{
    private static ProductDefinition Product(int port, params string[] osRelease) => new("shop", SemVersion.Parse("1.0.0", SemVersionStyles.Strict))
    {
        OsRelease = osRelease,
        Services =
        [
            new ServiceDefinition("api", ProductServiceKind.App, SemVersion.Parse("1.0.0", SemVersionStyles.Strict))
            {
                Needs = new ResourceNeeds { Cpu = 0.1, MemoryBytes = 1 << 20, Disk = [new DiskNeed("/tmp/not/yet/there", 1024)], Ports = [port], Commands = ["sh", "no-such-command-xyz"] },
            },
        ],
    };

    private static string LocalOsId() => OsRelease.Parse(File.ReadAllText("/etc/os-release")).Id;

    [Fact]
    public async Task Collector_reads_real_facts_on_local_host_in_one_command()
    {
        await using var host = new LocalHost();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var facts = await FactCollector.CollectAsync(host, "local", ["/tmp/not/yet/there"], ["sh", "no-such-command-xyz"]);
        facts.Reachable.Should().BeTrue();
        facts.CpuCount.Should().Be(Environment.ProcessorCount);
        facts.MemoryTotalBytes.Should().BeGreaterThan(facts.MemoryAvailableBytes).And.BeGreaterThan(0);
        facts.DiskFreeBytes["/tmp/not/yet/there"].Should().BeGreaterThan(0);
        facts.ListeningPorts.Should().Contain(port);
        facts.Commands.Should().BeEquivalentTo(new Dictionary<string, bool> { ["sh"] = true, ["no-such-command-xyz"] = false });
        facts.OsRelease!.Id.Should().Be(LocalOsId());
        facts.ClockSkew!.Value.Duration().Should().BeLessThan(TimeSpan.FromSeconds(5));
        facts.Hostname.Should().Be(File.ReadAllText("/proc/sys/kernel/hostname").Trim());
    }

    [Fact]
    public async Task Collector_works_over_ssh_and_an_unreachable_host_is_a_fact_not_an_exception()
    {
        await using var host = ssh.Server.CreateHost();
        var facts = await FactCollector.CollectAsync(host, "ssh", ["/"], ["sh"]);
        facts.Reachable.Should().BeTrue();
        facts.ListeningPorts.Should().Contain(ssh.Server.Port);
        facts.Commands["sh"].Should().BeTrue();

        await using var dead = ssh.Server.CreateHost(o => o with { Port = 1, ConnectTimeout = TimeSpan.FromSeconds(2) });
        var none = await FactCollector.CollectAsync(dead, "dead", [], []);
        none.Reachable.Should().BeFalse();
        none.Error.Should().Contain("HostUnreachable");
    }

    [Fact]
    public async Task Runner_checks_hosts_in_parallel_wrong_os_fails_busy_port_warns_as_configured_and_files_are_byte_identical()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var busy = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var local = new LocalHost();
        await using var remote = ssh.Server.CreateHost();
        await using var fleet = new HostFleet([new FleetTarget("node-1", local), new FleetTarget("node-2", remote)]);
        var schedule = new Schedule("shop", [new ScheduledService("api", ["node-1", "node-2"])]);
        var options = new PrecheckOptions { Severities = new Dictionary<string, CheckSeverity> { [CheckNames.Ports] = CheckSeverity.Warn } };

        var wrongOs = await new PrecheckRunner(options).RunAsync(fleet, Product(busy, "bclinux"), schedule);
        wrongOs.Outcomes.Where(o => o.Check == CheckNames.OsRelease).Should().HaveCount(2).And.OnlyContain(o => o.Status == CheckStatus.Fail);
        wrongOs.Outcomes.Where(o => o.Check == CheckNames.Ports).Should().OnlyContain(o => o.Status == CheckStatus.Warn && o.Message.Contains(busy.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        wrongOs.Outcomes.Single(o => o.Host == "node-1" && o.Check == CheckNames.Commands).Message.Should().Contain("no-such-command-xyz (for api)");
        wrongOs.Blocking.Should().BeTrue();

        var strictPorts = await new PrecheckRunner().RunAsync(fleet, Product(busy, LocalOsId()), schedule);
        strictPorts.Outcomes.Where(o => o.Check == CheckNames.Ports).Should().OnlyContain(o => o.Status == CheckStatus.Fail);
        strictPorts.Outcomes.Where(o => o.Check == CheckNames.OsRelease).Should().OnlyContain(o => o.Status == CheckStatus.Pass);

        using var dir = new TempDirectory("precheck-files");
        await PrecheckRunner.WriteFilesAsync(dir.Path, strictPorts);
        File.ReadAllText(dir.Combine("check_result.yaml")).Should().Be(strictPorts.ToYaml()).And.StartWith("product: shop\nresult: fail\nhosts:\n  node-1:\n");
        File.ReadAllText(dir.Combine("scheduled.yaml")).Should().Contain("api: [node-1, node-2]");
    }

    [Fact]
    public async Task Scheduled_host_missing_from_the_fleet_fails_reachable()
    {
        await using var local = new LocalHost();
        await using var fleet = new HostFleet([new FleetTarget("node-1", local)]);
        var result = await new PrecheckRunner().RunAsync(fleet, Product(1), new Schedule("shop", [new ScheduledService("api", ["node-1", "node-7"])]));
        result.Outcomes.Should().Contain(o => o.Host == "node-7" && o.Check == CheckNames.Reachable && o.Status == CheckStatus.Fail);
    }
}
