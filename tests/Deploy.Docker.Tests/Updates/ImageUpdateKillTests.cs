using Deploy.Core.Hosts;
using Deploy.Core.Operations.Locking;
using Deploy.Docker.Updates;
using Deploy.Testing.Kill;

namespace Deploy.Docker.Tests.Updates;

/// <summary>
/// Real SIGKILL of an image update (a console deployment on its old image, the new image's archive given) in a child
/// process at every step boundary, then the next run on the same deployment: recovered first, the deployment is
/// entirely the old one (files byte for byte, the service on its old image, running); updated again, it is entirely
/// the new one (files, the service on the new image, running). Journal and lock never block the next run: the dead
/// child's lock is taken over with a note.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ImageUpdateKillTests
{
    private static readonly string[] Steps = ["backup", "load", "edit", "restart", "verify", "end"];

    public static TheoryData<int, string, bool> Boundaries()
    {
        var data = new TheoryData<int, string, bool>();
        for (var i = 0; i < Steps.Length; i++)
        {
            data.Add(i, Steps[i], true);
            data.Add(i, Steps[i], false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Boundaries))]
    public async Task Update_killed_at_a_step_boundary_is_recovered_whole_old_or_finished_whole_new_by_the_next_run(int boundary, string step, bool recoverFirst)
    {
        using var images = new DockerImages();
        var d = new ConsoleDeployment(images);
        d.Start();
        var reference = $"encoo/console-web-v4-pvt:4.1.76383-{images.Id}";
        var newWebId = images.Import(reference);
        var archive = images.Save(reference, "web.tar.gz");
        var before = d.Snapshot();
        var options = new ImageUpdateOptions
        {
            Directory = d.Directory,
            Archives = [archive],
            SettleTime = TimeSpan.FromSeconds(2),
            VerifyTimeout = TimeSpan.FromSeconds(60),
            PollInterval = TimeSpan.FromMilliseconds(200),
        };

        var killed = await KillHarness.KillAtBoundaryAsync(OperationChild.Command("image-update", d.Directory, archive), boundary, TimeSpan.FromMinutes(3));

        killed.Step.Should().Be(step);
        await using var host = new LocalHost();
        var stale = await new HostLock(host, options.LockPath).ReadAsync();
        stale!.Holder.ProcessId.Should().Be(killed.ProcessGroupId, "SIGKILL runs no finally block: the lock stays");
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeTrue("the journal is written before the first step and kept until the end");

        if (recoverFirst)
        {
            var recovered = await new ImageUpdate(host, options).RecoverAsync();

            recovered.Should().NotBeNull();
            recovered!.TakenOverLock!.Reason.Should().Be(LockTakeoverReason.HolderDead);
            recovered.TakenOverLock.Previous.ProcessId.Should().Be(killed.ProcessGroupId);
            AssertWhole(d, before, d.OldWebId);
        }

        var result = await new ImageUpdate(host, options).UpdateAsync();

        if (!recoverFirst)
        {
            result.Recovered.Should().NotBeNull("the next update rolls the interrupted one back first");
            result.TakenOverLock!.Previous.ProcessId.Should().Be(killed.ProcessGroupId, "the dead child's lock is taken over with a note, not refused");
        }

        d.Read("docker-compose.service.yml").Should().Contain($"4.1.76383-{images.Id}");
        d.Read(".systemconfig").Should().Contain($"CONSOLE_WEB_V4_PVT_VERSION=4.1.76383-{images.Id}");
        AssertNothingPending(d);
        d.Containers(d.RootProject, "console-web").Should().ContainSingle()
            .Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == newWebId && c.State == "running");
        d.Containers(d.VicodeProject, "vicode-service").Should().ContainSingle()
            .Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == d.OldVicodeId && c.State == "running", "a service the update does not touch keeps its image");
    }

    [Fact]
    public void The_boundaries_killed_are_every_boundary_of_the_update()
        => Steps.Should().Equal([.. ImageUpdate.CreateSteps().Select(s => s.Name), "end"]);

    /// <summary>Entirely the old deployment: every file byte for byte, the service on its old image and running, nothing pending.</summary>
    private static void AssertWhole(ConsoleDeployment d, Dictionary<string, byte[]> before, string webImage)
    {
        var now = d.Snapshot();
        now.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (file, bytes) in before)
        {
            now[file].Should().Equal(bytes, file + " is restored byte for byte");
        }

        AssertNothingPending(d);
        d.Containers(d.RootProject, "console-web").Should().ContainSingle()
            .Which.Should().Match<(string Id, string Image, string State)>(c => c.Image == webImage && c.State == "running");
    }

    private static void AssertNothingPending(ConsoleDeployment d)
    {
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "pending.json")).Should().BeFalse();
        File.Exists(Path.Combine(d.Directory, ".deploy-backup", "lock")).Should().BeFalse();
        Directory.EnumerateFiles(d.Directory, "*deploy-tmp*", SearchOption.AllDirectories).Should().BeEmpty();
    }
}
