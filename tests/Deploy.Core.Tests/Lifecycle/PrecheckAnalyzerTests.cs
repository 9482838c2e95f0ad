using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Scheduling;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

public class PrecheckAnalyzerTests
{
    private static readonly HostFacts Good = new("node-1")
    {
        CpuCount = 4,
        MemoryTotalBytes = 8L << 30,
        MemoryAvailableBytes = 6L << 30,
        DiskFreeBytes = new Dictionary<string, long> { ["/opt/shop"] = 10L << 30 },
        ListeningPorts = [22],
        ClockSkew = TimeSpan.FromSeconds(1),
        OsRelease = OsRelease.Parse("ID=debian\nVERSION_ID=12\nPRETTY_NAME=\"Debian 12\"\n"),
        Commands = new Dictionary<string, bool> { ["python3"] = true, ["redis-server"] = true },
    };

    private static readonly HostRequirements Needs = new("node-1", ["api", "cache"])
    {
        Cpu = 2,
        MemoryBytes = 1L << 30,
        Disk = new Dictionary<string, long> { ["/opt/shop"] = 1L << 30 },
        Ports = new Dictionary<int, IReadOnlyList<string>> { [8080] = ["api"], [6379] = ["cache"] },
        Commands = new Dictionary<string, IReadOnlyList<string>> { ["python3"] = ["api"], ["redis-server"] = ["cache"] },
        OsRelease = ["debian", "centos"],
    };

    private static CheckOutcome Outcome(HostFacts facts, HostRequirements needs, string check, PrecheckOptions? options = null) =>
        PrecheckAnalyzer.Analyze(facts, needs, options).Single(o => o.Check == check);

    [Fact]
    public void A_host_with_everything_passes_every_check_in_report_order()
    {
        var outcomes = PrecheckAnalyzer.Analyze(Good, Needs);
        outcomes.Select(o => o.Check).Should().Equal(CheckNames.All);
        outcomes.Should().OnlyContain(o => o.Status == CheckStatus.Pass && o.Host == "node-1");
    }

    [Fact]
    public void Unreachable_host_fails_reachable_only()
    {
        var outcomes = PrecheckAnalyzer.Analyze(new HostFacts("node-9") { Reachable = false, Error = "HostUnreachable: refused" }, Needs);
        outcomes.Should().ContainSingle().Which.Should().Be(new CheckOutcome("node-9", "reachable", CheckStatus.Fail, "the host did not answer: HostUnreachable: refused"));
    }

    [Fact]
    public void Wrong_os_release_fails_strict_by_default_and_names_both()
    {
        var o = Outcome(Good with { OsRelease = OsRelease.Parse("ID=ubuntu\nPRETTY_NAME=Ubuntu\n") }, Needs, CheckNames.OsRelease);
        o.Status.Should().Be(CheckStatus.Fail);
        o.Message.Should().Contain("debian,centos").And.Contain("'ubuntu'");
    }

    [Fact]
    public void Os_release_matcher_delegate_replaces_the_id_match()
    {
        var options = new PrecheckOptions { OsReleaseMatcher = os => os.VersionId == "13" };
        Outcome(Good, Needs, CheckNames.OsRelease, options).Status.Should().Be(CheckStatus.Fail);
    }

    [Fact]
    public void Product_without_os_release_accepts_any_system_but_not_a_missing_file()
    {
        Outcome(Good with { OsRelease = OsRelease.Parse("ID=arch\n") }, Needs with { OsRelease = [] }, CheckNames.OsRelease).Status.Should().Be(CheckStatus.Pass);
        Outcome(Good with { OsRelease = null }, Needs with { OsRelease = [] }, CheckNames.OsRelease).Status.Should().Be(CheckStatus.Fail);
    }

    [Fact]
    public void Too_few_cpus_memory_or_disk_fail_with_numbers()
    {
        Outcome(Good with { CpuCount = 1 }, Needs, CheckNames.Cpu).Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Fail && o.Message.Contains("needs 2 CPU(s) for api, cache, has 1"));
        Outcome(Good with { MemoryAvailableBytes = 512L << 20 }, Needs, CheckNames.Memory).Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Fail && o.Message.Contains("needs 1Gi") && o.Message.Contains("512Mi available"));
        Outcome(Good with { DiskFreeBytes = new Dictionary<string, long> { ["/opt/shop"] = 100L << 20 } }, Needs, CheckNames.Disk).Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Fail && o.Message.Contains("/opt/shop needs 1Gi, 100Mi free"));
        Outcome(Good with { DiskFreeBytes = new Dictionary<string, long>() }, Needs, CheckNames.Disk).Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Fail && o.Message.Contains("unknown free"));
    }

    [Fact]
    public void Fractional_cpu_need_passes_on_one_cpu()
    {
        Outcome(Good with { CpuCount = 1 }, Needs with { Cpu = 0.5 }, CheckNames.Cpu).Status.Should().Be(CheckStatus.Pass);
    }

    [Theory]
    [InlineData(CheckSeverity.Strict, CheckStatus.Fail)]
    [InlineData(CheckSeverity.Warn, CheckStatus.Warn)]
    public void Busy_port_warns_or_fails_as_configured(CheckSeverity severity, CheckStatus expected)
    {
        var options = new PrecheckOptions { Severities = new Dictionary<string, CheckSeverity> { [CheckNames.Ports] = severity } };
        var o = Outcome(Good with { ListeningPorts = [22, 6379] }, Needs, CheckNames.Ports, options);
        o.Status.Should().Be(expected);
        o.Message.Should().Be("port 6379 (for cache) is already in use.");
    }

    [Fact]
    public void Two_services_needing_one_port_on_a_host_fail()
    {
        var needs = Needs with { Ports = new Dictionary<int, IReadOnlyList<string>> { [8080] = ["api", "web"] } };
        Outcome(Good, needs, CheckNames.Ports).Message.Should().Contain("port 8080 is needed by api and web");
    }

    [Fact]
    public void Off_check_is_not_reported()
    {
        var options = new PrecheckOptions { Severities = new Dictionary<string, CheckSeverity> { [CheckNames.Memory] = CheckSeverity.Off } };
        PrecheckAnalyzer.Analyze(Good, Needs, options).Select(o => o.Check).Should().NotContain(CheckNames.Memory);
    }

    [Fact]
    public void Clock_skew_warns_by_default_beyond_the_limit_and_either_direction_counts()
    {
        Outcome(Good with { ClockSkew = TimeSpan.FromSeconds(-30) }, Needs, CheckNames.ClockSkew).Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Warn && o.Message.Contains("-30s"));
        Outcome(Good with { ClockSkew = TimeSpan.FromSeconds(4) }, Needs, CheckNames.ClockSkew).Status.Should().Be(CheckStatus.Pass);
        Outcome(Good with { ClockSkew = TimeSpan.FromSeconds(4) }, Needs, CheckNames.ClockSkew, new PrecheckOptions { MaxClockSkew = TimeSpan.FromSeconds(2) }).Status.Should().Be(CheckStatus.Warn);
        Outcome(Good with { ClockSkew = null }, Needs, CheckNames.ClockSkew).Status.Should().Be(CheckStatus.Warn);
    }

    [Fact]
    public void Missing_command_fails_naming_the_service_that_needs_it()
    {
        Outcome(Good with { Commands = new Dictionary<string, bool> { ["python3"] = true, ["redis-server"] = false } }, Needs, CheckNames.Commands)
            .Should().Match<CheckOutcome>(o => o.Status == CheckStatus.Fail && o.Message == "missing on PATH: redis-server (for cache).");
    }

    [Fact]
    public void Requirements_sum_the_needs_of_the_services_scheduled_on_the_host()
    {
        ServiceDefinition S(string name, ResourceNeeds needs) => new(name, ProductServiceKind.App, SemVersion.Parse("1.0.0", SemVersionStyles.Strict)) { Needs = needs };
        var product = new ProductDefinition("shop", SemVersion.Parse("1.0.0", SemVersionStyles.Strict))
        {
            OsRelease = ["centos"],
            Services =
            [
                S("a", new ResourceNeeds { Cpu = 0.5, MemoryBytes = 100, Disk = [new DiskNeed("/opt", 10)], Ports = [80], Commands = ["sh"] }),
                S("b", new ResourceNeeds { Cpu = 1, MemoryBytes = 50, Disk = [new DiskNeed("/opt", 5), new DiskNeed("/var", 1)], Ports = [80, 81], Commands = ["sh", "tar"] }),
                S("c", new ResourceNeeds { Cpu = 8 }),
            ],
        };
        var schedule = new Schedule("shop", [new ScheduledService("a", ["h1"]), new ScheduledService("b", ["h1", "h2"]), new ScheduledService("c", ["h2"])]);
        var r = PrecheckAnalyzer.Requirements(product, schedule, "h1");
        r.Services.Should().Equal("a", "b");
        r.Cpu.Should().Be(1.5);
        r.MemoryBytes.Should().Be(150);
        r.Disk.Should().BeEquivalentTo(new Dictionary<string, long> { ["/opt"] = 15, ["/var"] = 1 });
        r.Ports[80].Should().Equal("a", "b");
        r.Commands["sh"].Should().Equal("a", "b");
        r.OsRelease.Should().Equal("centos");
    }

    [Fact]
    public void Check_result_yaml_is_byte_identical_for_identical_outcomes_and_sorted_by_host()
    {
        var outcomes = PrecheckAnalyzer.Analyze(Good with { Host = "b" }, Needs with { Host = "b" }).Concat(PrecheckAnalyzer.Analyze(Good with { Host = "a", ListeningPorts = [8080] }, Needs with { Host = "a" })).ToList();
        var one = new CheckResult("shop", outcomes).ToYaml();
        var two = new CheckResult("shop", outcomes.AsEnumerable().Reverse().ToList()).ToYaml();
        one.Should().Be(two);
        one.Should().StartWith("product: shop\nresult: fail\nhosts:\n  a:\n    reachable: { status: pass, message: \"the host answered.\" }\n    os_release:");
        one.Should().Contain("    ports: { status: fail, message: \"port 8080 (for api) is already in use.\" }\n");
        var parsed = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(one);
        parsed["result"].Should().Be("fail");
    }

    [Fact]
    public void Blocking_result_throws_PrecheckFailed_listing_failures_and_warnings_do_not_block()
    {
        var fail = new CheckResult("shop", [new CheckOutcome("h1", "os_release", CheckStatus.Fail, "wrong"), new CheckOutcome("h2", "ports", CheckStatus.Warn, "busy")]);
        var act = () => fail.ThrowOnFailure();
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.PrecheckFailed && e.Message.Contains("h1: os_release: wrong") && e.Host == "h1");
        new CheckResult("shop", [new CheckOutcome("h2", "ports", CheckStatus.Warn, "busy")]).Blocking.Should().BeFalse();
    }

    [Fact]
    public void Collector_output_is_parsed_into_facts()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var facts = FactCollector.Parse("h", "clock=1800000003.5\ncpu=8\nmem_total_kb=1024\nmem_avail_kb=512\nhostname=box\nporthex=1F90\nporthex=0016\ndisk=100\t/opt/a b\ndisk=-1\t/x\ncmd=1\tsh\ncmd=0\tnope\nos-release\nID=centos\nVERSION_ID=7\n", now);
        facts.CpuCount.Should().Be(8);
        facts.MemoryTotalBytes.Should().Be(1024 * 1024);
        facts.MemoryAvailableBytes.Should().Be(512 * 1024);
        facts.Hostname.Should().Be("box");
        facts.ListeningPorts.Should().Equal(22, 8080);
        facts.DiskFreeBytes.Should().BeEquivalentTo(new Dictionary<string, long> { ["/opt/a b"] = 102400, ["/x"] = -1 });
        facts.Commands.Should().BeEquivalentTo(new Dictionary<string, bool> { ["sh"] = true, ["nope"] = false });
        facts.ClockSkew.Should().Be(TimeSpan.FromSeconds(3.5));
        facts.OsRelease!.Id.Should().Be("centos");
    }
}
