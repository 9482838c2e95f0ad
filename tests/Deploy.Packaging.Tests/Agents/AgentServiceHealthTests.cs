using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// The health check of an agent run by the process supervisor (<see cref="AgentService"/>) watches the supervised
/// process too: a release whose process exits at start fails at once with its exit code and log, not at the end of the
/// commit window, and the rollback's re-check of the previous release passes as before.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AgentServiceHealthTests
{
    [Fact]
    public async Task A_release_whose_supervised_process_exits_at_start_fails_its_health_check_at_once_with_the_exit_code_and_log()
    {
        await using var box = await AgentSandbox.StartAsync();
        // The service serves www/ when the release has www/health; a release without it exits 7 with a reason on stderr.
        var service = new AgentService(
            $"if [ -f www/health ]; then exec python3 -m http.server --bind 127.0.0.1 --directory www {box.Port.ToString(CultureInfo.InvariantCulture)}; "
            + "else echo \"fatal: no health page in $(cat version.txt)\" >&2; exit 7; fi");
        // A commit window far longer than the test: only the process watch can end the failing check early.
        var options = box.Options(window: TimeSpan.FromMinutes(10)) with { Service = service };
        await using var local = new LocalHost();
        try
        {
            await box.PublishAsync("1.0.0");
            await using (var first = new AgentUpdater(options))
            {
                (await first.RunOnceAsync()).Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
            }

            await box.PublishAsync("2.0.0", healthy: false);
            await using var updater = new AgentUpdater(options);

            var failed = await updater.RunOnceAsync();

            failed.Outcome.Kind.Should().Be(AgentOutcomeKind.RolledBack);
            var error = (DeployException)failed.Error!.InnerException!;
            error.Code.Should().Be(DeployErrorCode.HealthCheckFailed);
            error.Message.Should().StartWith("The new version's process exited (exit 7)", "the exit was seen while the window was still open")
                .And.Contain("fatal: no health page in 2.0.0");
            failed.PreviousHealthy.Should().BeTrue("the restarted 1.0.0 runs and passed its health check again");
            failed.Version.Should().Be("1.0.0");
            (await updater.State.ReadAsync()).BadVersions.Select(b => b.Version).Should().Equal("2.0.0");
        }
        finally
        {
            var pidFile = Path.Combine(box.AppDirectory, ".deploy", "supervisor", "run", "agent", "runtime-0.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                await local.RunAsync(CommandSpec.Of("kill", "--", "-" + pid.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }
}
