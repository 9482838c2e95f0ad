using Deploy.Packaging.Agents;
using Deploy.Testing.Kill;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// Real SIGKILL of an agent update (v1 running, v2 installing) in a child process right after the switch (before the restart) and after the restart (before the health check),
/// then the next run: recovery leaves exactly v1 (current, files, the running agent, state), and the run after it
/// installs v2 whole.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AgentKillTests
{
    [Theory]
    [InlineData(3, "restart")]
    [InlineData(4, "health_check")]
    public async Task Update_killed_between_the_switch_steps_leaves_exactly_the_old_version_then_the_next_run_installs_the_new_one(int boundary, string step)
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        var v1 = box.CurrentTarget;
        await box.PublishAsync("2.0.0");
        var pem = box.Dir.WriteFile("feed-key.pem", box.Key.ExportSubjectPublicKeyInfoPem());

        var killed = await KillHarness.KillAtBoundaryAsync(OperationChild.Command("agent-update", box.Server.Url.ToString(), box.AppDirectory, pem, box.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), boundary);

        killed.Step.Should().Be(step);
        (await updater.State.ReadAsync()).Pending!.Version.Should().Be("2.0.0", "the child recorded the update in flight before installing");
        var recovered = await updater.RecoverAsync();

        recovered.CurrentVersion.Should().Be("1.0.0");
        recovered.Pending.Should().BeNull();
        box.CurrentTarget.Should().Be(v1);
        box.CurrentVersionFile.Should().Be("1.0.0");
        box.RestartedWith.Should().Be("1.0.0", "the agent running is the one current points to");
        (await ServedAsync(box)).Should().Be("demo agent 1.0.0\n");
        box.Releases.Should().Equal(v1!["releases/".Length..]);
        File.Exists(Path.Combine(box.AppDirectory, ".deploy", "journal.json")).Should().BeFalse();

        var again = await updater.RunOnceAsync();

        again.Version.Should().Be("2.0.0");
        box.CurrentVersionFile.Should().Be("2.0.0");
        box.RestartedWith.Should().Be("2.0.0");
        (await ServedAsync(box)).Should().Be("demo agent 2.0.0\n");
        box.Releases.Should().HaveCount(2);
    }

    /// <summary>What the running agent serves (waits for it to listen: the restart starts it in the background).</summary>
    private static async Task<string> ServedAsync(AgentSandbox box)
    {
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{box.Port}/index.html");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }
}
