using System.Diagnostics;
using Deploy.Core.Hosts;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Hosts;

/// <summary>Starting and stopping isolated host sets: what is private, what is left after a stop, the login shell.</summary>
[Trait("Category", "Integration")]
public sealed class IsolatedHostsLifetimeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_hosts_start_answer_and_stop_leaving_no_process_and_the_startup_time_is_reported()
    {
        var clock = Stopwatch.StartNew();
        var hosts = await IsolatedHosts.StartAsync(IsolatedHostSpec.ThreeDistributions, new IsolatedHostsOptions { Log = output.WriteLine });
        var started = clock.Elapsed;
        hosts.RequireIsolation();
        try
        {
            foreach (var h in hosts.Hosts)
            {
                await using var host = h.CreateHost();
                (await host.RunAsync(CommandSpec.Of("true"))).ExitCode.Should().Be(0);
            }
        }
        finally
        {
            clock.Restart();
            await hosts.DisposeAsync();
            output.WriteLine($"3 hosts: start {started.TotalMilliseconds:0} ms (set's own figure {hosts.StartupTime.TotalMilliseconds:0} ms), stop {clock.Elapsed.TotalMilliseconds:0} ms");
        }

        foreach (var h in hosts.Hosts)
        {
            ProcStat.InNamespace("pid", h.PidNamespace!).Should().BeEmpty($"nothing of {h.Name} is left running");
            ProcStat.InNamespace("mnt", h.MountNamespace!).Should().BeEmpty($"no process holds {h.Name}'s mounts");
            (await h.AnswersAsync()).Should().BeFalse($"{h.Name}'s sshd is gone");
        }

        Directory.Exists(hosts.Directory).Should().BeFalse();
    }

    [Fact]
    public async Task A_hosts_opt_is_a_tmpfs_that_vanishes_when_the_set_stops_and_no_mount_reaches_this_machine()
    {
        var address = LoopbackAddresses.Next(22);
        var spec = IsolatedHostSpec.Of("kylin", OsReleases.KylinV10) with { Address = address };
        var mountsBefore = await File.ReadAllLinesAsync("/proc/self/mountinfo");
        await using (var hosts = await IsolatedHosts.StartAsync([spec]))
        {
            hosts.RequireIsolation();
            await using var host = hosts["kylin"].CreateHost();
            await host.WriteFileAsync("/opt/product/marker", new MemoryStream("kept in memory"u8.ToArray()));

            (await host.RunAsync(CommandSpec.Of("stat", "-f", "-c", "%T", "/opt"))).ThrowOnFailure().StandardOutput.Trim().Should().Be("tmpfs");
            (await host.RunAsync(CommandSpec.Of("cat", "/opt/product/marker"))).StandardOutput.Should().Be("kept in memory");
            hosts["kylin"].Address.Should().Be(address, "a caller-chosen address is kept");
            (await host.GetOsReleaseAsync()).VersionId.Should().Be("V10");
            File.Exists("/opt/product/marker").Should().BeFalse();
            // Other tests may mount meanwhile (dockerd's network namespaces): only mounts at the host's paths count.
            var added = (await File.ReadAllLinesAsync("/proc/self/mountinfo")).Except(mountsBefore).Select(l => l.Split(' ')[4]);
            added.Where(point => point is "/opt" or "/var/lib" or "/home" or "/tmp" or "/etc/os-release" || point.StartsWith(hosts.Directory, StringComparison.Ordinal))
                .Should().BeEmpty("the host's mounts stay in its namespace");
        }

        await using (var again = await IsolatedHosts.StartAsync([spec]))
        {
            await using var host = again["kylin"].CreateHost();
            (await host.StatAsync("/opt/product/marker")).Should().BeNull("the old /opt vanished with its host; the new one starts empty");
            (await host.ListTreeAsync("/opt")).Should().BeEmpty();
        }
    }

    [Fact]
    public async Task Hosts_whose_test_process_dies_without_stopping_them_end_themselves()
    {
        await using var hosts = await IsolatedHosts.StartAsync([IsolatedHostSpec.Of("orphan", OsReleases.CentOs7)]);
        hosts.RequireIsolation();
        var h = hosts["orphan"];
        await using (var host = h.CreateHost())
        {
            await host.RunAsync(CommandSpec.Of("sh", "-c", "setsid sleep 1000 </dev/null >/dev/null 2>&1 &")).ThrowOnFailure();
        }

        h.Abandon(); // what the death of this process does to the pipe the host's watchdog reads

        var clock = Stopwatch.StartNew();
        while (ProcStat.InNamespace("pid", h.PidNamespace!).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        ProcStat.InNamespace("pid", h.PidNamespace!).Should().BeEmpty("the watchdog ended the host: sshd, its sessions and the sleep");
        (await h.AnswersAsync()).Should().BeFalse();
    }

    [Theory]
    [InlineData(LoginShell.Clean, "")]
    [InlineData(LoginShell.Machine, "ran")]
    public async Task The_login_shell_runs_the_users_bashrc_only_when_asked_to(LoginShell shell, string expected)
    {
        await using var hosts = await IsolatedHosts.StartAsync([IsolatedHostSpec.Of("h", OsReleases.Debian12)], new IsolatedHostsOptions { LoginShell = shell });
        hosts.RequireIsolation();
        var h = hosts["h"];
        await using (var writer = h.CreateUserHost())
        {
            await writer.WriteFileAsync($"/home/{h.User}/.bashrc", new MemoryStream("export DEPLOY_RC=ran\n"u8.ToArray()));
        }

        await using var user = h.CreateUserHost();
        (await user.RunAsync(CommandSpec.Of("sh", "-c", "printf %s \"${DEPLOY_RC:-}\""))).StandardOutput.Should().Be(expected);
    }
}
