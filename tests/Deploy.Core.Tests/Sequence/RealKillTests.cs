using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Testing.Kill;
using Deploy.Testing;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Sequence;

/// <summary>Real SIGKILLs of `deploy apply` at every step boundary, on a sandbox-rooted LocalHost.</summary>
[Trait("Category", "Integration")]
public sealed class RealKillLocalTests(ITestOutputHelper output) : RealKillTests(null, output);

/// <summary>Real SIGKILLs of `deploy apply --host` at every step boundary, on a real SSH host (the test sshd on 127.0.0.1).</summary>
[Trait("Category", "Integration")]
public sealed class RealKillSshTests(SshServerFixture ssh, ITestOutputHelper output) : RealKillTests(ssh.Server, output), IClassFixture<SshServerFixture>;

/// <summary>
/// For each plan kind (first deploy, restart, reinstall, target restart): the `deploy apply` child is paused at step
/// boundary N (DEPLOY_TEST_PAUSE_AT) and its process group SIGKILLed there (no finally block runs, the lock and
/// journal stay); then the next apply must leave the new release everywhere: files, services (started from the new
/// files, running), recorded state (a verifying plan is empty), no journal, no lock, no temp file; the dead
/// apply's lock never blocks it. Every boundary 0..steps of each plan is killed.
/// </summary>
public abstract class RealKillTests(SshServer? ssh, ITestOutputHelper output)
{
    public enum PlanKind
    {
        FirstDeploy,
        Restart,
        Reinstall,
        TargetRestart,
    }

    [Theory]
    [InlineData(PlanKind.FirstDeploy)]
    [InlineData(PlanKind.Restart)]
    [InlineData(PlanKind.Reinstall)]
    [InlineData(PlanKind.TargetRestart)]
    public async Task Apply_SIGKILLed_at_every_step_boundary_is_completed_by_the_next_apply_to_the_new_release_only(PlanKind kind)
    {
        var boundaries = -1;
        for (var boundary = 0; boundaries < 0 || boundary <= boundaries; boundary++)
        {
            await using var release = new Release(ssh);
            try
            {
                if (kind != PlanKind.FirstDeploy)
                {
                    await release.ApplyInProcessAsync();
                }

                release.MoveToNewRelease(kind);
                var steps = (await release.PlanAsync()).Steps;
                boundaries = boundaries < 0 ? steps.Count : boundaries;
                steps.Should().HaveCount(boundaries, "every round plans the same steps");

                var killed = await KillHarness.KillAtBoundaryAsync(release.ApplyCommand(), boundary);

                killed.Boundary.Should().Be(boundary);
                var result = await release.ApplyInProcessAsync();
                await release.AssertNewReleaseEverywhereAsync($"{kind}, killed at boundary {boundary} ({killed.Step}); rerun: {result.Plan.ToText()}");
            }
            finally
            {
                await release.RemoveAllAsync();
            }
        }

        boundaries.Should().BeGreaterThan(2);
        output.WriteLine($"real-kill {(ssh is null ? "local" : "ssh")} {kind}: {boundaries + 1} boundaries killed");
    }

    /// <summary>A target with two components, an old release (A) and a new one (B).</summary>
    private sealed class Release : IAsyncDisposable
    {
        private readonly TempDirectory _dir = new("deploy-realkill");
        private readonly SshServer? _ssh;
        private readonly string _prefix;

        public Release(SshServer? ssh)
        {
            _ssh = ssh;
            _prefix = ssh is null ? "" : _dir.Combine("target");
            Host = ssh is null ? LocalHost.Rooted(_dir.Combine("target")) : ssh.CreateHost();
            _dir.WriteFile("src/db/db.conf", "db A\n");
            _dir.WriteFile("src/app/app.conf", "app A\n");
            _dir.WriteFile("src/app/lib.so", "lib A\n");
            WriteYaml();
        }

        public IHost Host { get; }

        private string Yaml => _dir.Combine("target.yaml");

        private string StateDirectory => _prefix + "/var/lib/deploy-sequence/rk";

        /// <summary>A logical target path as a path on this machine (the sandbox, or the SSH prefix).</summary>
        private string Target(string path) => Host is LocalHost l ? l.MapPath(path) : _prefix + path;

        public void MoveToNewRelease(PlanKind kind)
        {
            switch (kind)
            {
                case PlanKind.Restart:
                    _dir.WriteFile("src/app/app.conf", "app B, longer\n");
                    break;
                case PlanKind.Reinstall:
                    _dir.WriteFile("src/app/lib.so", "lib B, longer\n");
                    break;
                case PlanKind.TargetRestart:
                    _dir.WriteFile("src/db/db.conf", "db B, longer\n"); // Db restarts with RestartEvent=Target
                    break;
            }
        }

        public ChildCommand ApplyCommand()
        {
            string[] where = _ssh is null
                ? ["--root", _dir.Combine("target")]
                : ["--host", $"{_ssh.User}@{_ssh.Address}:{_ssh.Port}", "--identity-file", _ssh.IdentityFile, "--known-hosts", _ssh.KnownHostsFile];
            return ChildCommand.Dotnet(DeployCli.Dll, ["apply", Yaml, "--service-manager", "ProcessSupervisor", .. where]);
        }

        public async Task<Plan> PlanAsync(bool verify = false)
        {
            var definition = (await TargetYaml.LoadAsync(Yaml)).Definition;
            return await SequenceApplier.ForHost(Host, definition).PlanAsync(await DesiredTarget.ScanAsync(definition), new PlanOptions { Verify = verify });
        }

        public async Task<ApplyResult> ApplyInProcessAsync(TargetDefinition? definition = null)
        {
            definition ??= (await TargetYaml.LoadAsync(Yaml)).Definition;
            return await SequenceApplier.ForHost(Host, definition).ApplyAsync(await DesiredTarget.ScanAsync(definition));
        }

        public async Task AssertNewReleaseEverywhereAsync(string because)
        {
            string Read(string path) => File.ReadAllText(Target(path));
            var src = (string p) => File.ReadAllText(_dir.Combine("src", p));
            Read("/opt/db/db.conf").Should().Be(src("db/db.conf"), because);
            Read("/opt/app/app.conf").Should().Be(src("app/app.conf"), because);
            Read("/opt/app/lib.so").Should().Be(src("app/lib.so"), because);
            Read("/opt/app.started").Should().Be(src("app/app.conf"), "App's startup ran with the new files: " + because);
            Read("/opt/app.installed").Should().Be(src("app/lib.so"), "App's install ran with the new library: " + because);
            Read("/opt/db.started").Should().Be(src("db/db.conf"), because);
            var supervisor = new ProcessSupervisor(Host, StateDirectory);
            foreach (var component in new[] { "Db", "App" })
            {
                (await supervisor.IsRunningAsync(new ServiceRef(component, new Service(ServiceKind.Runtime, "x"), 0))).Should().BeTrue($"{component} runs: {because}");
            }

            (await PlanAsync(verify: true)).IsEmpty.Should().BeTrue("the record matches the desired release and the live files: " + because);
            var control = Directory.EnumerateFileSystemEntries(Target("/var/lib/deploy-sequence/rk/control")).Select(Path.GetFileName).ToList();
            control.Should().NotContain(["journal.json", "lock"], because);
            Directory.EnumerateFiles(Target("/opt"), "*", SearchOption.AllDirectories).Select(Path.GetFileName)
                .Should().OnlyContain(n => n == "db.conf" || n == "app.conf" || n == "lib.so" || n!.EndsWith(".started", StringComparison.Ordinal) || n.EndsWith(".installed", StringComparison.Ordinal), "no temp file stays in the deployed tree: " + because);
        }

        /// <summary>Stops and removes everything (a target with no components).</summary>
        public async Task RemoveAllAsync()
        {
            var definition = (await TargetYaml.LoadAsync(Yaml)).Definition;
            await SequenceApplier.ForHost(Host, definition).ApplyAsync(await DesiredTarget.ScanAsync(definition with { Components = [] }), new ApplyOptions { BreakStaleLock = true });
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            _dir.Dispose();
        }

        private void WriteYaml()
        {
            var p = _prefix;
            _dir.WriteFile("target.yaml", string.Create(CultureInfo.InvariantCulture, $$"""
                name: rk
                stateDirectory: {{p}}/var/lib/deploy-sequence/rk
                components:
                  - name: Db
                    restartEvent: Target
                    startupTimeout: 50ms
                    files: [ { source: src/db/db.conf, target: {{p}}/opt/db/db.conf } ]
                    services:
                      - { type: Startup, command: 'cp db.conf ../db.started', workingDirectory: {{p}}/opt/db }
                      - { type: Runtime, command: 'exec sleep 600', workingDirectory: {{p}}/opt/db }
                  - name: App
                    dependsOn: [ Db ]
                    files:
                      - { source: src/app/app.conf, target: {{p}}/opt/app/app.conf }
                      - { source: src/app/lib.so, target: {{p}}/opt/app/lib.so, changeEvent: Reinstall }
                    services:
                      - { type: Install, command: 'cp lib.so ../app.installed', workingDirectory: {{p}}/opt/app }
                      - { type: Startup, command: 'cp app.conf ../app.started', workingDirectory: {{p}}/opt/app }
                      - { type: Runtime, command: 'exec sleep 600', workingDirectory: {{p}}/opt/app }
                """));
        }
    }
}
