using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Sequence;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>A real SIGKILL of a `deploy apply` child process in the middle of a startup service.</summary>
public sealed class KillTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Apply_process_killed_with_SIGKILL_leaves_a_stale_lock_that_is_reported_and_a_journal_the_next_apply_completes()
    {
        using var dir = new TempDirectory("deploy-kill");
        var root = dir.Combine("target");
        dir.WriteFile("src/app.py", "v1");
        dir.WriteFile("src/other.txt", "o");
        var yaml = dir.WriteFile("target.yaml", $$"""
            name: killme
            host: { local: { root: target } }
            components:
              - name: App
                files: [ { source: src/app.py, target: /opt/app/app.py } ]
                services:
                  - type: Startup
                    workingDirectory: /opt/app
                    command: 'mkdir -p "$DEPLOY_ROOT/tmp"; touch "$DEPLOY_ROOT/tmp/in-startup"; while [ -f "$DEPLOY_ROOT/tmp/block" ]; do sleep 0.05; done; cp app.py "$DEPLOY_ROOT/tmp/started-with"'
                  - { type: Runtime, command: 'exec sleep 600', workingDirectory: /opt/app }
              - name: Other
                files: [ { source: src/other.txt, target: /opt/other/other.txt } ]
                services:
                  - { type: Runtime, command: 'exec sleep 600' }
            """);
        var doc = TargetYaml.Load(yaml);
        await using var host = Deploy.Core.Hosts.LocalHost.Rooted(root);
        var applier = SequenceApplier.ForHost(host, doc.Definition);
        try
        {
            await applier.ApplyAsync(await DesiredTarget.ScanAsync(doc.Definition));
            File.Delete(host.MapPath("/tmp/in-startup"));
            File.WriteAllText(dir.Combine("src/app.py"), "v2-longer");
            Directory.CreateDirectory(host.MapPath("/tmp"));
            File.WriteAllText(host.MapPath("/tmp/block"), "");

            using (var child = Process.Start(new ProcessStartInfo("dotnet", [CliDll(), "apply", yaml]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                var deadline = Stopwatch.StartNew();
                while (!File.Exists(host.MapPath("/tmp/in-startup")) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !child.HasExited)
                {
                    await Task.Delay(20);
                }

                File.Exists(host.MapPath("/tmp/in-startup")).Should().BeTrue("the child reached the startup service: " + (child.HasExited ? await child.StandardError.ReadToEndAsync() : ""));
                child.Kill(entireProcessTree: true); // SIGKILL: no finally block, no lock release
                await child.WaitForExitAsync();
            }

            File.Delete(host.MapPath("/tmp/block"));
            (await new ProcessSupervisor(host, doc.Definition.EffectiveStateDirectory).IsRunningAsync(new ServiceRef("App", new Service(ServiceKind.Runtime, "x"), 0)))
                .Should().BeFalse("the killed apply had stopped App before its startup");

            var desired = await DesiredTarget.ScanAsync(doc.Definition);
            var refused = async () => await applier.ApplyAsync(desired);
            (await refused.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.StaleLock);

            var result = await applier.ApplyAsync(desired, new ApplyOptions { BreakStaleLock = true });

            result.Resumed.Should().NotBeNull();
            result.Plan.Decisions.Single(d => d.Component == "App").Action.Should().Be(ComponentAction.Restart);
            File.ReadAllText(host.MapPath("/tmp/started-with")).Should().Be("v2-longer");
            (await new ProcessSupervisor(host, doc.Definition.EffectiveStateDirectory).IsRunningAsync(new ServiceRef("App", new Service(ServiceKind.Runtime, "x"), 0))).Should().BeTrue();
            (await applier.PlanAsync(desired)).IsEmpty.Should().BeTrue();
        }
        finally
        {
            await applier.ApplyAsync(await DesiredTarget.ScanAsync(doc.Definition with { Components = [] }), new ApplyOptions { BreakStaleLock = true });
        }
    }

    private static string CliDll()
    {
        // tests/Deploy.Core.Tests/bin/{Configuration}/net10.0/ -> samples/Deploy.Cli/bin/{Configuration}/net10.0/deploy.dll
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = bin.Parent!.Name;
        var repo = bin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(repo, "samples", "Deploy.Cli", "bin", configuration, bin.Name, "deploy.dll");
        File.Exists(dll).Should().BeTrue($"the CLI is built at {dll}");
        return dll;
    }
}
