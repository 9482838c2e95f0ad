using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>A real SIGKILL of a `deploy apply` child process in the middle of a startup service.</summary>
public sealed class KillTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Apply_process_SIGKILLed_in_a_startup_service_leaves_a_lock_the_next_apply_takes_over_with_a_note_and_a_journal_it_completes()
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
        var doc = await TargetYaml.LoadAsync(yaml);
        await using var host = Deploy.Core.Hosts.LocalHost.Rooted(root);
        var applier = SequenceApplier.ForHost(host, doc.Definition);
        try
        {
            await applier.ApplyAsync(await DesiredTarget.ScanAsync(doc.Definition));
            File.Delete(host.MapPath("/tmp/in-startup"));
            File.WriteAllText(dir.Combine("src/app.py"), "v2-longer");
            Directory.CreateDirectory(host.MapPath("/tmp"));
            File.WriteAllText(host.MapPath("/tmp/block"), "");

            using (var child = Process.Start(new ProcessStartInfo("dotnet", [DeployCli.Dll, "apply", yaml]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
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
            var notes = new List<SequenceProgress>();
            var result = await applier.ApplyAsync(desired, progress: new SyncProgress(notes.Add));

            notes.Should().Contain(e => e.Kind == SequenceEventKind.Warning && e.Message.Contains("taking over a stale lock", StringComparison.Ordinal) && e.Message.Contains("that process no longer exists", StringComparison.Ordinal));
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

    private sealed class SyncProgress(Action<SequenceProgress> report) : IProgress<SequenceProgress>
    {
        public void Report(SequenceProgress value) => report(value);
    }
}
