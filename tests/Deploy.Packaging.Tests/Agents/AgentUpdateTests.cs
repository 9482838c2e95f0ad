using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// The agent update flow end to end: a real HTTP feed (Kestrel on 127.0.0.1), real packages, a real agent process
/// restarted from the new release and health-checked over HTTP.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AgentUpdateTests
{
    [Fact]
    public async Task First_run_installs_v1_and_the_next_run_upgrades_to_v2_keeping_v1_as_previous()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        await using var updater = new AgentUpdater(box.Options());

        var first = await updater.RunOnceAsync();
        await box.PublishAsync("2.0.0", minimumFrom: "1.0.0");
        var second = await updater.RunOnceAsync();

        first.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        second.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        second.FromVersion.Should().Be("1.0.0");
        second.Version.Should().Be("2.0.0");
        second.IndexSerial.Should().Be(2);
        box.CurrentVersionFile.Should().Be("2.0.0");
        box.RestartedWith.Should().Be("2.0.0", "the running agent was restarted from the new release");
        File.ReadAllText(Path.Combine(box.AppDirectory, "current", "hook-ran")).Should().Be("installed 2.0.0\n", "the package's install hook ran in the new release");
        box.Releases.Should().HaveCount(2, "the previous release is kept beside the new one");
        var state = await updater.State.ReadAsync();
        state.CurrentVersion.Should().Be("2.0.0");
        state.HighestSerial.Should().Be(2);
        state.Pending.Should().BeNull();
        (await updater.RunOnceAsync()).Outcome.Kind.Should().Be(AgentOutcomeKind.UpToDate);
    }

    [Fact]
    public async Task A_version_failing_its_health_check_is_rolled_back_marked_bad_and_not_retried_until_a_newer_one_appears()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("2.0.0");
        await using (var updater = new AgentUpdater(box.Options()))
        {
            (await updater.RunOnceAsync()).Version.Should().Be("2.0.0");
        }

        var v2Release = box.CurrentTarget;
        await box.PublishAsync("3.0.0", healthy: false);
        // The window also bounds the health re-check of the restarted previous release: long enough for a loaded machine.
        await using var shortWindow = new AgentUpdater(box.Options(window: TimeSpan.FromSeconds(8)));

        var failed = await shortWindow.RunOnceAsync();

        failed.Outcome.Kind.Should().Be(AgentOutcomeKind.RolledBack);
        failed.Outcome.Version.Should().Be("3.0.0");
        failed.Outcome.Message.Should().Contain("health check").And.Contain("passed its health check again");
        failed.PreviousHealthy.Should().BeTrue("the restarted 2.0.0 was health-checked again after the rollback");
        failed.Version.Should().Be("2.0.0");
        ((DeployException)failed.Error!.InnerException!).Code.Should().Be(DeployErrorCode.HealthCheckFailed);
        box.CurrentTarget.Should().Be(v2Release);
        box.RestartedWith.Should().Be("2.0.0", "the previous release was restarted by the rollback");
        box.Releases.Should().ContainSingle("the failed release folder is removed");
        var state = await shortWindow.State.ReadAsync();
        state.BadVersions.Select(b => b.Version).Should().Equal("3.0.0");
        state.LastOutcome!.Kind.Should().Be(AgentOutcomeKind.RolledBack);

        (await shortWindow.RunOnceAsync()).Outcome.Kind.Should().Be(AgentOutcomeKind.UpToDate, "3.0.0 is bad: not retried");

        await box.PublishAsync("4.0.0");
        await using var updater4 = new AgentUpdater(box.Options());
        (await updater4.RunOnceAsync()).Version.Should().Be("4.0.0");
        box.RestartedWith.Should().Be("4.0.0");
    }

    [Fact]
    public async Task A_rollback_to_a_previous_release_that_is_not_healthy_either_is_reported_as_such_not_as_a_clean_rollback()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("2.0.0");
        await using (var first = new AgentUpdater(box.Options()))
        {
            (await first.RunOnceAsync()).Version.Should().Be("2.0.0");
        }

        File.Delete(Path.Combine(box.AppDirectory, "current", "www", "health"));
        await using var updater = new AgentUpdater(box.Options(window: TimeSpan.FromSeconds(5)));
        await box.PublishAsync("3.0.0", healthy: false);

        var failed = await updater.RunOnceAsync();

        failed.Outcome.Kind.Should().Be(AgentOutcomeKind.RolledBackUnhealthy);
        failed.PreviousHealthy.Should().BeFalse();
        failed.Outcome.Message.Should().Contain("rolled back to 2.0.0").And.Contain("NOT healthy either");
        failed.Version.Should().Be("2.0.0");
        box.RestartedWith.Should().Be("2.0.0", "the previous release was restarted");
        (await updater.State.ReadAsync()).LastOutcome!.Kind.Should().Be(AgentOutcomeKind.RolledBackUnhealthy);
        (await updater.State.ReadAsync()).BadVersions.Select(b => b.Version).Should().Equal("3.0.0");
    }

    [Fact]
    public async Task A_version_whose_install_hook_fails_is_rolled_back_before_the_switch_and_marked_bad()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        var v1 = box.CurrentTarget;
        await box.Publisher().PublishAsync(await box.PackageAsync("2.0.0", hookFails: true), "2.0.0");

        var failed = await updater.RunOnceAsync();

        failed.Outcome.Kind.Should().Be(AgentOutcomeKind.RolledBack);
        failed.Error!.Message.Should().Contain("install hook").And.Contain("missing dependency");
        box.CurrentTarget.Should().Be(v1);
        box.RestartedWith.Should().Be("1.0.0");
        box.Releases.Should().ContainSingle();
        (await updater.State.ReadAsync()).BadVersions.Select(b => b.Version).Should().Equal("2.0.0");
    }

    [Fact]
    public async Task A_tampered_package_is_refused_by_its_hash_and_nothing_is_installed()
    {
        await using var box = await AgentSandbox.StartAsync();
        var index = await box.PublishAsync("2.0.0");
        var file = Path.Combine(box.FeedDirectory, index.Packages[0].File);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x55;
        await File.WriteAllBytesAsync(file, bytes);
        await using var updater = new AgentUpdater(box.Options());

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.HashMismatch);
        e.Path.Should().Be(index.Packages[0].File);
        box.CurrentTarget.Should().BeNull();
        Directory.EnumerateFiles(Path.Combine(box.AppDirectory, ".deploy", "downloads")).Should().BeEmpty("the corrupt download is deleted");
        (await updater.State.ReadAsync()).LastOutcome!.Kind.Should().Be(AgentOutcomeKind.Failed);
    }

    [Fact]
    public async Task A_package_signed_by_an_untrusted_key_is_refused_and_nothing_is_installed()
    {
        await using var box = await AgentSandbox.StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await box.Publisher().PublishAsync(await box.PackageAsync("2.0.0", signWith: stranger), "2.0.0");
        await using var updater = new AgentUpdater(box.Options());

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.SignatureInvalid);
        box.CurrentTarget.Should().BeNull();
        Directory.Exists(Path.Combine(box.AppDirectory, "releases")).Should().BeFalse();
    }

    [Fact]
    public async Task A_replayed_older_index_is_refused_after_a_newer_one_was_seen()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        var oldIndex = await File.ReadAllBytesAsync(Path.Combine(box.FeedDirectory, FeedIndex.FileName));
        var oldSig = await File.ReadAllBytesAsync(Path.Combine(box.FeedDirectory, FeedIndex.SignatureFileName));
        await box.Publisher().ResignAsync();
        await using var updater = new AgentUpdater(box.Options());
        (await updater.RunOnceAsync()).IndexSerial.Should().Be(2);
        await File.WriteAllBytesAsync(Path.Combine(box.FeedDirectory, FeedIndex.FileName), oldIndex);
        await File.WriteAllBytesAsync(Path.Combine(box.FeedDirectory, FeedIndex.SignatureFileName), oldSig);

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.IndexReplayed);
        (await updater.State.ReadAsync()).HighestSerial.Should().Be(2);
    }

    [Fact]
    public async Task An_expired_index_is_refused()
    {
        await using var box = await AgentSandbox.StartAsync();
        var past = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddDays(-8));
        await box.Publisher(time: past).PublishAsync(await box.PackageAsync("1.0.0"), "1.0.0");
        await using var updater = new AgentUpdater(box.Options());

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.IndexExpired);
        box.CurrentTarget.Should().BeNull();
    }

    [Fact]
    public async Task A_download_cut_at_60_percent_resumes_with_Range_and_fetches_only_the_rest()
    {
        await using var box = await AgentSandbox.StartAsync();
        var index = await box.PublishAsync("1.0.0", blobBytes: 2 * 1024 * 1024);
        var entry = index.Packages[0];
        box.Server.CutNext(entry.File, 0.6);
        // No retries: the cut ends this run, the next run resumes (FeedRetryTests covers a resume within one run).
        await using var updater = new AgentUpdater(box.Options() with { FeedRetryAttempts = 0 });

        var cut = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());
        var resumed = await updater.RunOnceAsync();

        cut.Code.Should().Be(DeployErrorCode.FeedUnreachable);
        resumed.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        resumed.Download!.ResumedFrom.Should().Be((long)(entry.Size * 0.6));
        resumed.Download.BytesFetched.Should().BeLessThan(entry.Size / 2);
        (box.Server.BytesSent[entry.File] - resumed.Download.ResumedFrom).Should().Be(entry.Size - resumed.Download.ResumedFrom, "the server sent only the missing bytes the second time");
        box.Server.Ranges[entry.File].Should().Equal($"bytes={resumed.Download.ResumedFrom}-");
        box.CurrentVersionFile.Should().Be("1.0.0");
    }

    [Fact]
    public async Task A_busy_agent_refuses_the_upgrade_and_keeps_running_its_version()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        await using (var first = new AgentUpdater(box.Options()))
        {
            await first.RunOnceAsync();
        }

        await box.PublishAsync("2.0.0");
        await using var busy = new AgentUpdater(box.Options() with { BusyCommand = ["/bin/sh", "-c", "echo 'backup running' >&2; exit 1"] });

        var e = await Assert.ThrowsAsync<DeployException>(() => busy.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.AgentBusy);
        box.CurrentVersionFile.Should().Be("1.0.0");
        (await busy.State.ReadAsync()).LastOutcome!.Kind.Should().Be(AgentOutcomeKind.Busy);
    }

    [Fact]
    public async Task After_a_key_rotation_announced_by_the_old_key_the_agent_accepts_the_new_key_and_refuses_the_old()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await box.Publisher().AnnounceKeyAsync(newKey, retireOld: true);
        await box.Publisher(newKey).PublishAsync(await box.PackageAsync("2.0.0", signWith: newKey), "2.0.0");

        var rotated = await updater.RunOnceAsync();
        await box.Publisher().ResignAsync();
        var old = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        rotated.Version.Should().Be("2.0.0");
        (await updater.State.ReadAsync()).RetiredKeys.Should().Equal(TrustedKey.FromKey(box.Key).KeyId);
        old.Code.Should().Be(DeployErrorCode.SignatureInvalid, "an index signed by the retired key is refused");
    }
}
