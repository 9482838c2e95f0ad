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

    [Theory]
    [InlineData(0, "stage_files")]
    [InlineData(1, "install_hook")]
    public async Task Update_from_a_delta_killed_while_placing_the_assembled_release_leaves_exactly_the_old_files_running_then_the_next_run_completes_the_new_one(int boundary, string step)
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.Publisher().PublishAsync(await box.PackageAsync("1.0.0", blobBytes: 64 << 10, blobSeed: 1), "1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        var v1 = box.CurrentTarget;
        var v1Files = Hashes(Path.Combine(box.AppDirectory, "current"));
        var v1Pid = File.ReadAllText(Path.Combine(box.AppDirectory, "agent.pid"));
        var v2Package = await box.PackageAsync("2.0.0", blobBytes: 64 << 10, blobSeed: 1);
        var v2 = (await box.Publisher().PublishAsync(v2Package, "2.0.0")).Find("2.0.0", "stable")!;
        var delta = v2.Deltas!.Single(d => d.BaseVersion == "1.0.0");
        var pem = box.Dir.WriteFile("feed-key.pem", box.Key.ExportSubjectPublicKeyInfoPem());

        var killed = await KillHarness.KillAtBoundaryAsync(OperationChild.Command("agent-update", box.Server.Url.ToString(), box.AppDirectory, pem, box.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), boundary);

        killed.Step.Should().Be(step);
        box.Server.Requests.Should().ContainKey(delta.File, "the killed run was installing from the delta");
        box.Server.Requests.Should().NotContainKey(v2.File);
        var recovered = await updater.RecoverAsync();

        recovered.CurrentVersion.Should().Be("1.0.0");
        recovered.Pending.Should().BeNull();
        box.CurrentTarget.Should().Be(v1);
        Hashes(Path.Combine(box.AppDirectory, "current")).Should().Equal(v1Files, "current holds exactly v1's files (sha256), nothing of v2");
        File.ReadAllText(Path.Combine(box.AppDirectory, "agent.pid")).Should().Be(v1Pid, "the v1 agent process was never stopped");
        box.RestartedWith.Should().Be("1.0.0");
        (await ServedAsync(box)).Should().Be("demo agent 1.0.0\n", "the running process is v1's");
        box.Releases.Should().Equal([v1!["releases/".Length..]], "neither the assembled release nor its assembly folder is left");

        var again = await updater.RunOnceAsync();

        again.Version.Should().Be("2.0.0");
        again.DeltaFrom.Should().Be("1.0.0", "the next run assembles from the delta again");
        var v2Files = Hashes(Path.Combine(box.AppDirectory, "current"));
        v2Files.Where(f => f.Key != "hook-ran").Should().Equal(Hashes(Directory.GetDirectories(box.Dir.Path, "payload-2.0.0-*").Single()), "the new release is v2's package, file for file");
        box.RestartedWith.Should().Be("2.0.0");
        (await ServedAsync(box)).Should().Be("demo agent 2.0.0\n", "the running process is v2's");
        box.Releases.Should().HaveCount(2);
    }

    /// <summary>Every file under <paramref name="root"/> (symlinks followed, as the running agent sees them) and its sha256.</summary>
    private static SortedDictionary<string, string> Hashes(string root)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            hashes[Path.GetRelativePath(root, file)] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        }

        return hashes;
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
