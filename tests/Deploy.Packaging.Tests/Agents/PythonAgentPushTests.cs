using System.Globalization;
using System.Text;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// The seed's mega client, on the SDK: the sample Python agent (<c>samples/AgentUpgrade/python-agent</c>, with its
/// <c>setup.py</c>) packaged per version, installed by its install hook into each release's own venv (pip install of
/// the folder, no network), run by the process supervisor, and upgraded by push on three isolated hosts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PythonAgentPushTests : IClassFixture<IsolatedHostsFixture>
{
    private readonly IsolatedHostsFixture _fixture;

    public PythonAgentPushTests(IsolatedHostsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Report(output);
    }

    [Fact]
    public async Task The_python_agent_is_pushed_v1_then_v2_into_per_release_venvs_and_runs_supervised_on_every_host()
    {
        _fixture.Hosts.RequireIsolation();
        await using var box = await AgentSandbox.StartAsync();
        var app = "/opt/mega-" + Guid.NewGuid().ToString("N")[..8];
        var port = box.Port.ToString(CultureInfo.InvariantCulture);
        await using var fleet = new HostFleet(_fixture.Hosts.Hosts.Select(h => new FleetTarget(h.Name, h.CreateHost()) { InventoryHost = h.ToInventoryHost() }), ownsHosts: true);
        foreach (var target in fleet.Targets)
        {
            await target.Host.CreateDirectoryAsync(app);
            await WriteAsync(target.Host, app + "/address", target.InventoryHost!.Address);
        }

        var options = new AgentPushOptions
        {
            Update = box.RemoteOptions(app, TimeSpan.FromSeconds(30)) with
            {
                RestartCommand = null,
                Service = new AgentService($"exec venv/bin/mega-agent --bind \"$(cat {app}/address)\" --port {port}"),
            },
            Version = "1.0.0",
            HealthUrl = "http://{address}:" + port + "/health",
            Cohorts = [FleetBatchSize.Percent(100)],
        };
        try
        {
            await box.Publisher().PublishAsync(await PackageAsync(box, "1.0.0"), "1.0.0");
            var first = await AgentPush.PushAsync(fleet, options);
            var v1Pids = await PidsAsync(fleet, app);
            await box.Publisher().PublishAsync(await PackageAsync(box, "2.0.0"), "2.0.0");
            var second = await AgentPush.PushAsync(fleet, options with { Version = "2.0.0" });

            first.AllSucceeded.Should().BeTrue(first.Failed.FirstOrDefault()?.Error?.ToString());
            second.AllSucceeded.Should().BeTrue(second.Failed.FirstOrDefault()?.Error?.ToString());
            using var http = new HttpClient();
            foreach (var target in fleet.Targets)
            {
                var address = target.InventoryHost!.Address;
                (await http.GetStringAsync(new Uri($"http://{address}:{port}/version"))).Should().Be("2.0.0\n", $"{target.Name} runs mega_agent 2.0.0 as installed in its release's venv");
                var venv = await target.Host.RunAsync(CommandSpec.Of("venv/bin/python", "-c", "import mega_agent, sys; print(mega_agent.__file__); print(sys.prefix)").InDirectory(app + "/current"));
                venv.ThrowOnFailure().StandardOutput.Should().Contain(app + "/releases/").And.Contain("/venv", "the package was pip-installed into the release's own venv");
            }

            var v2Pids = await PidsAsync(fleet, app);
            v2Pids.Should().OnlyContain(p => p.Length > 0);
            v2Pids.Should().NotIntersectWith(v1Pids, "the supervisor restarted every host's agent from the new release");
            (await AgentPush.StatusAsync(fleet, app)).Hosts.Select(h => h.Value!.CurrentVersion).Should().Equal("2.0.0", "2.0.0", "2.0.0");
        }
        finally
        {
            foreach (var target in fleet.Targets)
            {
                await target.Host.RunScriptAsync("""for f in "$1"/.deploy/supervisor/run/*/*.pid; do [ -f "$f" ] && kill -- "-$(cat "$f")" 2>/dev/null; done; rm -rf "$1"; true""", [app]);
            }
        }
    }

    [Fact]
    public async Task A_python_agent_version_failing_its_health_check_is_rolled_back_and_the_supervisor_restarts_the_previous_release()
    {
        _fixture.Hosts.RequireIsolation();
        await using var box = await AgentSandbox.StartAsync();
        var app = "/opt/mega-" + Guid.NewGuid().ToString("N")[..8];
        var port = box.Port.ToString(CultureInfo.InvariantCulture);
        await using var fleet = new HostFleet(_fixture.Hosts.Hosts.Take(1).Select(h => new FleetTarget(h.Name, h.CreateHost()) { InventoryHost = h.ToInventoryHost() }), ownsHosts: true);
        var target = fleet.Targets[0];
        await target.Host.CreateDirectoryAsync(app);
        await WriteAsync(target.Host, app + "/address", target.InventoryHost!.Address);
        var options = new AgentPushOptions
        {
            Update = box.RemoteOptions(app, TimeSpan.FromSeconds(5)) with
            {
                RestartCommand = null,
                Service = new AgentService($"exec venv/bin/mega-agent --bind \"$(cat {app}/address)\" --port {port}"),
            },
            Version = "1.0.0",
            HealthUrl = "http://{address}:" + port + "/health",
        };
        try
        {
            await box.Publisher().PublishAsync(await PackageAsync(box, "1.0.0"), "1.0.0");
            (await AgentPush.PushAsync(fleet, options with { Update = options.Update with { HealthCheck = options.Update.HealthCheck! with { Window = TimeSpan.FromSeconds(30) } } })).ThrowOnFailure();
            var v1Pids = await PidsAsync(fleet, app);
            await box.Publisher().PublishAsync(await PackageAsync(box, "2.0.0", broken: true), "2.0.0");

            var result = await AgentPush.PushAsync(fleet, options with { Version = "2.0.0" });

            result.Failed.Should().ContainSingle().Which.Error!.Message.Should().Contain("2.0.0 failed its health check and was rolled back to 1.0.0");
            (await HealthAsync(new Uri($"http://{target.InventoryHost.Address}:{port}/health"))).Should().Be("ok 1.0.0\n", "the previous release runs again");
            (await PidsAsync(fleet, app)).Should().NotIntersectWith(v1Pids, "the supervisor restarted the previous release after stopping the failed one");
            var state = await new AgentStateStore(target.Host, app).ReadAsync();
            state.CurrentVersion.Should().Be("1.0.0");
            state.BadVersions.Select(b => b.Version).Should().Equal("2.0.0");
        }
        finally
        {
            await target.Host.RunScriptAsync("""for f in "$1"/.deploy/supervisor/run/*/*.pid; do [ -f "$f" ] && kill -- "-$(cat "$f")" 2>/dev/null; done; rm -rf "$1"; true""", [app]);
        }
    }

    /// <summary>The sample agent's folder with <c>VERSION</c> set, as a signed agent package.</summary>
    internal static async Task<string> PackageAsync(AgentSandbox box, string version, bool broken = false)
    {
        var payload = box.Dir.Combine("mega-" + version + "-" + Guid.NewGuid().ToString("N")[..6]);
        CopyTree(Path.Combine(RepositoryRoot(), "samples", "AgentUpgrade", "python-agent"), payload);
        await File.WriteAllTextAsync(Path.Combine(payload, "VERSION"), version + "\n");
        if (broken)
        {
            await File.WriteAllTextAsync(Path.Combine(payload, "BROKEN"), "this release answers /health with 503\n");
        }

        var builder = PackageBuilder.Create("mega_agent").WithType(PackageType.InstallUpdateAgent).WithOsRelease("debian,ubuntu,centos,bclinux").WithPayloadDirectory(payload).SignWith(box.Key);
        return (await builder.BuildToDirectoryAsync(box.Dir.Combine("out-mega-" + version + "-" + Guid.NewGuid().ToString("N")[..6]))).OutputPath!;
    }

    /// <summary>The health answer once the agent listens: the rollback restarts the previous release detached and does
    /// not wait for it (its health was proven when it was committed).</summary>
    private static async Task<string> HealthAsync(Uri url)
    {
        using var http = new HttpClient();
        for (var i = 0; ; i++)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (i < 300)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string[]> PidsAsync(HostFleet fleet, string app)
    {
        var pids = new List<string>();
        foreach (var target in fleet.Targets)
        {
            var r = await target.Host.RunScriptAsync("""cat "$1"/.deploy/supervisor/run/agent/*.pid""", [app]);
            pids.Add(target.Name + ":" + r.ThrowOnFailure().StandardOutput.Trim());
        }

        return [.. pids];
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories).Where(d => !d.Contains("__pycache__", StringComparison.Ordinal)))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => !f.Contains("__pycache__", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Deploy.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }

    private static async Task WriteAsync(IHost host, string path, string text)
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await host.WriteFileAsync(path, ms);
    }
}
