using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Xunit.Abstractions;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// The sample .NET agent (<c>samples/AgentUpgrade/DotnetAgent</c>, built with these tests) upgrading itself by pull:
/// asked over HTTP, it starts a detached helper (its own executable from the running release) that installs the new
/// release beside it, stops it through the process supervisor, starts the new one and health-checks it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DotnetAgentSelfUpdateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_dotnet_agent_upgrades_itself_through_a_detached_helper_that_outlives_it_and_restarts_the_new_release()
    {
        // In CI the agent once crashed at its bind ("Address already in use"): its port, free when the test picked it,
        // was taken before the agent started. A port picked for another process cannot be held for it, so that one
        // failure gets one more try with a new port, after printing who holds the old one. Any other failure, or the
        // same one twice, fails the test.
        var attempt = 1;
        while (await AttemptAsync(attempt))
        {
            attempt++;
        }
    }

    /// <summary>One run of the test; <c>true</c> when it should run again with a new port.</summary>
    private async Task<bool> AttemptAsync(int attempt)
    {
        await using var box = await AgentSandbox.StartAsync();
        var trust = box.Dir.Combine("feed-key.pem");
        await File.WriteAllTextAsync(trust, box.Key.ExportSubjectPublicKeyInfoPem());
        var app = box.Dir.Combine("apps", "dotnet-agent");
        var argv = new[] { "--app", app, "--port", box.Port.ToString(CultureInfo.InvariantCulture), "--feed", box.Server.Url.ToString(), "--trust", trust };
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{box.Port}/") };
        await using var local = new LocalHost();
        try
        {
            await box.Publisher().PublishAsync(await PackageAsync(box, "1.0.0"), "1.0.0");
            var install = await local.RunAsync(CommandSpec.Of([DotnetHost, Path.Combine(AgentBuild, "DotnetAgent.dll"), "update", .. argv]) with { Timeout = TimeSpan.FromMinutes(2) });
            if (!install.Succeeded && attempt == 1 && (install.StandardOutput + install.StandardError).Contains("Address already in use", StringComparison.Ordinal))
            {
                var holders = await local.RunAsync(CommandSpec.Of("sh", "-c", $"ss -tanp 2>&1 | grep -E -- ':{box.Port}([^0-9]|$)' || echo 'no socket on {box.Port} now'"));
                output.WriteLine($"port {box.Port} was taken before the agent bound it: {install.StandardOutput}{install.StandardError}\n{holders.StandardOutput}");
                return true;
            }

            install.Succeeded.Should().BeTrue(install.StandardOutput + install.StandardError);
            (await http.GetStringAsync("version")).Should().Be("1.0.0\n");
            var v1Pid = int.Parse(await File.ReadAllTextAsync(PidFile(app)), CultureInfo.InvariantCulture);

            await box.Publisher().PublishAsync(await PackageAsync(box, "2.0.0"), "2.0.0");
            using var answer = await http.PostAsync("update", null);
            var helperPid = int.Parse(await answer.Content.ReadAsStringAsync(), CultureInfo.InvariantCulture);
            await WaitUntilGoneAsync(helperPid);

            answer.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted);
            (await File.ReadAllTextAsync(Path.Combine(app, "helper.log"))).Should().Contain($"helper pid {helperPid}: Updated: updated 1.0.0 -> 2.0.0");
            (await http.GetStringAsync("version")).Should().Be("2.0.0\n", "the helper restarted the agent from the new release");
            Alive(v1Pid).Should().BeFalse("the old agent was stopped by the helper, which outlived it");
            int.Parse(await File.ReadAllTextAsync(PidFile(app)), CultureInfo.InvariantCulture).Should().NotBe(v1Pid);
            var state = await new AgentStateStore(local, app).ReadAsync();
            state.CurrentVersion.Should().Be("2.0.0");
            state.LastOutcome!.Kind.Should().Be(AgentOutcomeKind.Updated);
            Directory.EnumerateDirectories(Path.Combine(app, "releases")).Should().HaveCount(2, "the previous release is kept");
            return false;
        }
        finally
        {
            if (File.Exists(PidFile(app)) && int.TryParse(File.ReadAllText(PidFile(app)), out var pid))
            {
                await local.RunAsync(CommandSpec.Of("kill", "--", "-" + pid.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>The sample agent's build output (referenced by this test project) with <c>VERSION</c>, as a package.</summary>
    private static async Task<string> PackageAsync(AgentSandbox box, string version)
    {
        var payload = box.Dir.Combine("dotnet-agent-" + version);
        Directory.CreateDirectory(payload);
        foreach (var file in Directory.EnumerateFiles(AgentBuild, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(payload, Path.GetRelativePath(AgentBuild, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        await File.WriteAllTextAsync(Path.Combine(payload, "VERSION"), version + "\n");
        var builder = PackageBuilder.Create("dotnet_agent").WithType(PackageType.InstallUpdateAgent).WithOsRelease("debian,ubuntu,centos,bclinux").WithPayloadDirectory(payload).SignWith(box.Key);
        return (await builder.BuildToDirectoryAsync(box.Dir.Combine("out-dotnet-agent-" + version))).OutputPath!;
    }

    private static string DotnetHost => Environment.ProcessPath!.EndsWith("/dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet";

    /// <summary>samples/AgentUpgrade/DotnetAgent/bin/{configuration}/net10.0, the configuration this test was built in.</summary>
    private static string AgentBuild
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name;
            while (!File.Exists(Path.Combine(dir!.FullName, "Deploy.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir.FullName, "samples", "AgentUpgrade", "DotnetAgent", "bin", configuration, "net10.0");
        }
    }

    private static string PidFile(string app) => Path.Combine(app, ".deploy", "supervisor", "run", "agent", "runtime-0.pid");

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        for (var i = 0; i < 1200 && Alive(pid); i++)
        {
            await Task.Delay(100);
        }

        Alive(pid).Should().BeFalse($"the helper {pid} finishes its update within two minutes");
    }
}
