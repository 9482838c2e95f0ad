using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
using Deploy.Docker.Updates;

namespace Deploy.Docker.Tests.Updates;

[Trait("Category", "Integration")]
public class ImageUpdateTests
{
    [Fact]
    public async Task Update_of_root_and_vicode_loads_edits_recreates_and_verifies_only_affected_services()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var (newWeb, newWebId, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "console-web-v4-pvt-4.1.76383.tar.gz");
        var (newVicode, newVicodeId, vicodeArchive) = NewImage(images, $"encoo/vicode-service:2.4.0-{images.Id}", "vicode-service-2.4.0.tar");
        var redisBefore = d.Containers(d.RootProject, "redis").Single();
        var before = d.Snapshot();
        await using var host = new LocalHost();
        var update = new ImageUpdate(host, Options(d, webArchive, vicodeArchive));

        var plan = await update.PlanAsync();

        plan.Services.Select(s => (s.Service, s.NewReference)).Should().BeEquivalentTo(new[] { ("console-web", newWeb), ("vicode-service", newVicode) });
        plan.Files.Select(f => Path.GetRelativePath(d.Directory, f.Path)).Should().BeEquivalentTo("docker-compose.service.yml", ".systemconfig", "vicode/.systemconfig");
        plan.ToText().Should().Contain("vicode/docker-compose.yml line 4 takes its tag from ${VICODE_SERVICE_TAG}: .systemconfig is updated instead of the compose file");
        DockerImages.Run("docker", "images", "-q", newWeb).Trim().Should().BeEmpty("planning loads nothing");

        var result = await update.ApplyAsync(plan);

        d.Containers(d.RootProject, "console-web").Should().ContainSingle().Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == newWebId && c.State == "running");
        d.Containers(d.VicodeProject, "vicode-service").Should().ContainSingle().Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == newVicodeId && c.State == "running");
        d.Containers(d.RootProject, "redis").Single().Should().Be(redisBefore, "services whose image did not change are not touched");
        result.Containers.Select(c => c.Service).Should().BeEquivalentTo("console-web", "vicode-service");

        var after = d.Snapshot();
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (file, bytes) in before)
        {
            var expected = System.Text.Encoding.UTF8.GetString(bytes)
                .Replace($"4.1.1-{images.Id}", $"4.1.76383-{images.Id}", StringComparison.Ordinal)
                .Replace($"2.3.0-{images.Id}", $"2.4.0-{images.Id}", StringComparison.Ordinal);
            System.Text.Encoding.UTF8.GetString(after[file]).Should().Be(expected, $"{file} changes only in its tags");
        }

        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeFalse();
        File.ReadAllText(Path.Combine(result.BackupDirectory, "journal.json")).Should().Contain("\"completed\"");
    }

    [Fact]
    public async Task Failing_entrypoint_rolls_back_files_byte_for_byte_and_services_to_their_old_images()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images, crlfComposeFiles: true);
        d.Start();
        var (_, _, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "web.tar.gz");
        var (_, _, vicodeArchive) = NewImage(images, $"encoo/vicode-service:2.4.0-{images.Id}", "vicode.tar.gz", "[\"sh\",\"-c\",\"echo broken >&2; exit 1\"]");
        var before = d.Snapshot();
        await using var host = new LocalHost();
        var update = new ImageUpdate(host, Options(d, webArchive, vicodeArchive) with { RestartScript = "deploy.sh" });

        var act = () => update.UpdateAsync();

        var error = (await act.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.VerificationFailed);
        error.Message.Should().Contain("vicode-service").And.Contain("rolled back");
        var after = d.Snapshot();
        after.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (file, bytes) in before)
        {
            after[file].Should().Equal(bytes, $"{file} is restored byte for byte");
        }

        d.Containers(d.RootProject, "console-web").Should().ContainSingle().Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == d.OldWebId && c.State == "running");
        d.Containers(d.VicodeProject, "vicode-service").Should().ContainSingle().Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == d.OldVicodeId && c.State == "running");
        d.Containers(d.RootProject, "redis").Should().ContainSingle().Which.Image.Should().Be(d.InfraId);
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeFalse();
    }

    [Fact]
    public async Task Update_cancelled_after_restart_keeps_its_journal_and_the_next_run_rolls_it_back_and_completes()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var (_, newWebId, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "web.tar.gz");
        var before = d.Snapshot();
        await using var host = new LocalHost();
        using var cts = new CancellationTokenSource();
        var interrupted = new ImageUpdate(host, Options(d, webArchive) with { Observer = new BeforeStep(step => { if (step == "verify") { cts.Cancel(); } }) });

        var act = () => interrupted.UpdateAsync(cancellationToken: cts.Token);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeTrue("the journal survives the interruption");
        d.Containers(d.RootProject, "console-web").Single().Image.Should().Be(newWebId, "the run stopped after the restart");

        var rerun = new ImageUpdate(host, Options(d, webArchive));
        var plan = await rerun.PlanAsync();
        plan.Notes[0].Should().Contain("interrupted update").And.Contain("'restart'");
        var result = await rerun.ApplyAsync(plan);

        result.Recovered.Should().NotBeNull();
        result.Recovered!.InterruptedAt.Should().Be("restart");
        result.Recovered.RestoredFiles.Select(f => Path.GetRelativePath(d.Directory, f)).Should().BeEquivalentTo("docker-compose.service.yml", ".systemconfig");
        d.Containers(d.RootProject, "console-web").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == newWebId && c.State == "running");
        d.Read(".systemconfig").Should().Contain($"CONSOLE_WEB_V4_PVT_VERSION=4.1.76383-{images.Id}");
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeFalse();
        Directory.GetFiles(Path.Combine(d.Directory, ".deploy-backup"), "journal.json", SearchOption.AllDirectories).Select(File.ReadAllText)
            .Should().Contain(j => j.Contains("\"rolledback\"")).And.Contain(j => j.Contains("\"completed\""));
        before.Keys.Should().BeEquivalentTo(d.Snapshot().Keys);
    }

    [Theory]
    [InlineData("backup", "plan")]
    [InlineData("load", "backup")]
    [InlineData("edit", "load")]
    [InlineData("restart", "edit")]
    public async Task Update_cancelled_before_a_step_is_rolled_back_from_its_journal_and_finished_by_the_next_run(string step, string journalStep)
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var (_, newWebId, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "web.tar.gz");
        await using var host = new LocalHost();
        using var cts = new CancellationTokenSource();
        var options = Options(d, webArchive);
        var interrupted = new ImageUpdate(host, options with { Observer = new BeforeStep(s => { if (s == step) { cts.Cancel(); } }) });

        var act = () => interrupted.UpdateAsync(cancellationToken: cts.Token);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Cancelled);
        d.Containers(d.RootProject, "console-web").Single().Image.Should().Be(d.OldWebId, "nothing was restarted yet");

        var result = await new ImageUpdate(host, options).UpdateAsync();

        result.Recovered!.InterruptedAt.Should().Be(journalStep, "the journal is written before the first step, and records each step done");

        d.Containers(d.RootProject, "console-web").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == newWebId && c.State == "running");
        d.Read("docker-compose.service.yml").Should().Contain($"4.1.76383-{images.Id}");
    }

    [Fact]
    public async Task Unexpected_exception_at_a_step_boundary_rolls_back_in_process()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var (_, _, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "web.tar.gz");
        var before = d.Snapshot();
        await using var host = new LocalHost();
        var update = new ImageUpdate(host, Options(d, webArchive) with { Observer = new BeforeStep(s => { if (s == "verify") { throw new InvalidOperationException("injected fault"); } }) });

        var act = () => update.UpdateAsync();

        var error = (await act.Should().ThrowAsync<DeployException>()).Which;
        error.Message.Should().Contain("injected fault").And.Contain("rolled back");
        foreach (var (file, bytes) in before)
        {
            File.ReadAllBytes(Path.Combine(d.Directory, file)).Should().Equal(bytes);
        }

        d.Containers(d.RootProject, "console-web").Single().Should().Match<(string Id, string Image, string State)>(c => c.Image == d.OldWebId && c.State == "running");
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeFalse();
    }

    [Fact]
    public async Task Healthcheck_decides_unhealthy_new_image_is_rolled_back_healthy_one_is_kept()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images, healthcheck: true);
        d.Start();
        d.Read("docker-compose.service.yml").Should().Contain("healthcheck:");
        await using var host = new LocalHost();

        // Runs, but never creates /ok: the healthcheck turns unhealthy.
        var (_, _, sickArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "sick.tar.gz");
        var act = () => new ImageUpdate(host, Options(d, sickArchive)).UpdateAsync();

        var error = (await act.Should().ThrowAsync<DeployException>()).Which;
        error.Code.Should().Be(DeployErrorCode.VerificationFailed);
        error.Message.Should().Contain("unhealthy");
        d.Containers(d.RootProject, "console-web").Single().Image.Should().Be(d.OldWebId);

        var (_, healthyId, healthyArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76400-{images.Id}", "healthy.tar.gz", ConsoleDeployment.HealthyCmd);
        await new ImageUpdate(host, Options(d, healthyArchive)).UpdateAsync();

        var state = DockerImages.Run("docker", "inspect", "--format", "{{.Image}} {{.State.Health.Status}}", $"{d.RootProject}-console-web").Trim();
        state.Should().Be($"{healthyId} healthy");
    }

    [Fact]
    public async Task Second_update_of_a_deployment_being_updated_gets_lock_held()
    {
        using var temp = new Deploy.Testing.TempDirectory();
        await using var host = new LocalHost();
        var options = new ImageUpdateOptions { Directory = temp.Path, Archives = ["unused.tar"] };
        var other = await new HostLock(host, options.LockPath).AcquireAsync("image-update");
        var update = new ImageUpdate(host, options);

        var act = () => update.ApplyAsync(new ImageUpdatePlan(temp.Path, [], [], [], []));

        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.LockHeld && e.Message.Contains(other.Holder.Id));
        await other.ReleaseAsync();
        (await update.RecoverAsync()).Should().BeNull("once released, the lock is free");
    }

    [Fact]
    public async Task Malformed_archive_stops_the_update_before_anything_changes()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        var before = d.Snapshot();
        var bad = images.Temp.WriteFile("console-web-v4-pvt-4.1.76383.tar.gz", "this is not a docker save archive");
        await using var host = new LocalHost();

        var act = () => new ImageUpdate(host, Options(d, bad)).UpdateAsync();

        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.ImageArchiveInvalid && e.Path == bad);
        d.Snapshot().Should().BeEquivalentTo(before);
        Directory.Exists(Path.Combine(d.Directory, ".deploy-backup")).Should().BeFalse("no backup, journal or lock was made");
    }

    [Fact]
    public async Task Recover_with_nothing_pending_returns_null_and_changes_nothing()
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        var (_, _, webArchive) = NewImage(images, $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}", "web.tar.gz");
        var before = d.Snapshot();
        await using var host = new LocalHost();

        (await new ImageUpdate(host, Options(d, webArchive)).RecoverAsync()).Should().BeNull();
        d.Snapshot().Should().BeEquivalentTo(before);
    }

    private static ImageUpdateOptions Options(ConsoleDeployment d, params string[] archives) => new()
    {
        Directory = d.Directory,
        Archives = archives,
        SettleTime = TimeSpan.FromSeconds(2),
        VerifyTimeout = TimeSpan.FromSeconds(60),
        PollInterval = TimeSpan.FromMilliseconds(200),
    };

    private static (string Reference, string Id, string Archive) NewImage(DockerImages images, string reference, string file, string cmd = "[\"sleep\",\"3600\"]")
    {
        var id = images.Import(reference, cmd);
        return (reference, id, images.Save(reference, file));
    }

    /// <summary>Runs an action at the boundary before each step, given the step's name.</summary>
    private sealed class BeforeStep(Action<string> action) : IOperationObserver
    {
        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
        {
            if (boundary.NextStep is { } step)
            {
                action(step);
            }

            return Task.CompletedTask;
        }
    }
}
