using Deploy.Core.Errors;
using Deploy.Packaging.Agents;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// Feed reads against a real HTTP feed that fails on purpose: transient failures (a reset connection, a 503, a transfer
/// cut short) are retried with backoff and the update completes; a 404 is an answer and fails at once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FeedRetryTests
{
    [Fact]
    public async Task Reset_connections_on_the_index_and_the_package_are_retried_and_the_update_succeeds()
    {
        await using var box = await AgentSandbox.StartAsync();
        var entry = (await box.PublishAsync("1.0.0")).Packages[0];
        box.Server.FailNext(FeedIndex.SignatureFileName, 1);
        box.Server.FailNext(FeedIndex.FileName, 2);
        box.Server.FailNext(entry.File, 2);
        await using var updater = new AgentUpdater(box.Options() with { FeedRetryDelay = TimeSpan.FromMilliseconds(20) });

        var result = await updater.RunOnceAsync();

        result.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        box.CurrentVersionFile.Should().Be("1.0.0");
        box.Server.Failed.Should().Be(5, "every planned reset happened");
        box.Server.Requests[FeedIndex.FileName].Should().Be(3);
        box.Server.Requests[entry.File].Should().Be(3);
    }

    [Fact]
    public async Task A_503_then_a_transfer_cut_at_half_are_retried_in_the_same_run_and_the_download_resumes_with_Range()
    {
        await using var box = await AgentSandbox.StartAsync();
        var entry = (await box.PublishAsync("1.0.0", blobBytes: 1024 * 1024)).Packages[0];
        box.Server.FailNext(entry.File, 1, status: 503);
        box.Server.CutNext(entry.File, 0.5);
        await using var updater = new AgentUpdater(box.Options() with { FeedRetryDelay = TimeSpan.FromMilliseconds(20) });

        var result = await updater.RunOnceAsync();

        result.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        box.Server.Ranges[entry.File].Should().Equal($"bytes={(long)(entry.Size * 0.5)}-");
        box.Server.BytesSent[entry.File].Should().Be(entry.Size, "the retry fetched only the missing half");
        result.Download!.BytesFetched.Should().Be(entry.Size);
    }

    [Fact]
    public async Task A_package_answering_404_fails_at_once_with_VersionNotFound_and_is_not_retried()
    {
        await using var box = await AgentSandbox.StartAsync();
        var entry = (await box.PublishAsync("1.0.0")).Packages[0];
        File.Delete(Path.Combine(box.FeedDirectory, entry.File));
        await using var updater = new AgentUpdater(box.Options());

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.VersionNotFound);
        e.Message.Should().Contain("404").And.Contain(entry.File);
        e.Path.Should().EndWith(entry.File);
        box.Server.Requests[entry.File].Should().Be(1, "a 404 is an answer, not a transient failure");
        box.CurrentTarget.Should().BeNull();
    }

    [Fact]
    public async Task A_feed_that_keeps_resetting_fails_with_FeedUnreachable_after_the_bounded_retries()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        box.Server.FailNext(FeedIndex.SignatureFileName, 100);
        await using var updater = new AgentUpdater(box.Options() with { FeedRetryAttempts = 3, FeedRetryDelay = TimeSpan.FromMilliseconds(10) });

        var e = await Assert.ThrowsAsync<DeployException>(() => updater.RunOnceAsync());

        e.Code.Should().Be(DeployErrorCode.FeedUnreachable);
        e.Path.Should().EndWith(FeedIndex.SignatureFileName);
        box.Server.Requests[FeedIndex.SignatureFileName].Should().Be(4, "one attempt and 3 retries");
        (await updater.State.ReadAsync()).LastOutcome!.Kind.Should().Be(AgentOutcomeKind.Failed);
    }
}
