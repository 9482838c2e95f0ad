using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Agents;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// Delta packages end to end: the publisher builds deltas against the last N releases, the agent downloads the delta
/// (asserted from the real HTTP feed's request log), assembles the new release from its installed one, checks every
/// file against the full manifest, and falls back to the full package when an installed file was changed or removed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeltaUpdateTests
{
    private const int Blob = 1024 * 1024;

    [Fact]
    public async Task A_one_file_change_is_installed_from_the_delta_fetching_under_5_percent_of_the_full_package()
    {
        await using var box = await AgentSandbox.StartAsync();
        await PublishAsync(box, "1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        var v2 = (await PublishAsync(box, "2.0.0")).Find("2.0.0", "stable")!;
        var delta = v2.Deltas.Should().ContainSingle().Subject;
        var progress = new Progress();

        var result = await updater.RunOnceAsync(progress);

        result.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        result.DeltaFrom.Should().Be("1.0.0");
        result.DeltaFallback.Should().BeNull();
        delta.BaseVersion.Should().Be("1.0.0");
        box.Server.Requests.Should().ContainKey(delta.File).And.NotContainKey(v2.File, "the agent fetched the delta, not the full package");
        box.Server.BytesSent[delta.File].Should().Be(delta.Size);
        ((double)box.Server.BytesSent[delta.File] / v2.Size).Should().BeLessThan(0.05, $"a one-file change moved {box.Server.BytesSent[delta.File]} bytes of a {v2.Size}-byte package");
        box.CurrentVersionFile.Should().Be("2.0.0");
        box.RestartedWith.Should().Be("2.0.0");
        Sha(Path.Combine(box.AppDirectory, "current", "blob.bin")).Should().Be(Sha(BlobOf(1)), "the unchanged file was copied from the installed release");
        File.ReadAllText(Path.Combine(box.AppDirectory, "current", "hook-ran")).Should().Be("installed 2.0.0\n");
        Directory.Exists(Path.Combine(box.AppDirectory, "current", ".deploy-delta")).Should().BeFalse("the delta's own files are not part of the release");
        Directory.Exists(Path.Combine(box.AppDirectory, "releases", ".delta-assembly")).Should().BeFalse();
        progress.Items.Should().Contain(p => p.Message.Contains("downloading the delta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tampered_installed_file_makes_the_agent_fall_back_to_the_full_package_and_install_a_correct_v2()
    {
        await using var box = await AgentSandbox.StartAsync();
        await PublishAsync(box, "1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        var blob = Path.Combine(box.AppDirectory, "current", "blob.bin");
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[1000] ^= 0x5a;
        await File.WriteAllBytesAsync(blob, bytes);
        var v2 = (await PublishAsync(box, "2.0.0")).Find("2.0.0", "stable")!;
        var progress = new Progress();

        var result = await updater.RunOnceAsync(progress);

        result.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        result.DeltaFrom.Should().BeNull();
        result.DeltaFallback.Should().Contain(nameof(DeployErrorCode.DeltaMismatch)).And.Contain("blob.bin");
        result.Outcome.Message.Should().Contain("full package");
        box.Server.Requests[v2.Deltas![0].File].Should().Be(1, "the delta was tried first");
        box.Server.BytesSent[v2.File].Should().Be(v2.Size, "then the full package was fetched");
        Sha(blob).Should().Be(Sha(BlobOf(1)), "v2 runs with the published bytes, not the tampered ones");
        box.CurrentVersionFile.Should().Be("2.0.0");
        Directory.Exists(Path.Combine(box.AppDirectory, "releases", ".delta-assembly")).Should().BeFalse("the failed assembly was removed");
        progress.Items.Should().Contain(p => p.Message.Contains("was not used", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_installed_file_makes_the_agent_fall_back_to_the_full_package()
    {
        await using var box = await AgentSandbox.StartAsync();
        await PublishAsync(box, "1.0.0");
        await using var updater = new AgentUpdater(box.Options());
        await updater.RunOnceAsync();
        File.Delete(Path.Combine(box.AppDirectory, "current", "www", "index.html"));
        var v2 = (await PublishAsync(box, "2.0.0")).Find("2.0.0", "stable")!;

        var result = await updater.RunOnceAsync();

        result.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        result.DeltaFallback.Should().Contain("index.html");
        box.Server.BytesSent[v2.File].Should().Be(v2.Size);
        File.ReadAllText(Path.Combine(box.AppDirectory, "current", "www", "index.html")).Should().Be("demo agent same\n");
    }

    [Fact]
    public async Task The_publisher_builds_deltas_from_the_last_N_releases_of_the_channel_and_the_index_lists_them()
    {
        await using var box = await AgentSandbox.StartAsync();
        var publisher = new FeedPublisher(new FeedPublishOptions { FeedDirectory = box.FeedDirectory, SigningKey = box.Key, Deltas = 2 });
        foreach (var v in (string[])["1.0.0", "1.1.0", "1.2.0"])
        {
            await publisher.PublishAsync(await box.PackageAsync(v, blobBytes: 4096, blobSeed: 1, label: "same"), v);
        }

        var index = await publisher.PublishAsync(await box.PackageAsync("2.0.0", blobBytes: 4096, blobSeed: 1, label: "same"), "2.0.0");

        var entry = index.Find("2.0.0", "stable")!;
        entry.Deltas!.Select(d => d.BaseVersion).Should().Equal("1.2.0", "1.1.0");
        index.Find("1.0.0", "stable")!.Deltas.Should().BeNull("the first release has nothing to be a delta of");
        foreach (var d in entry.Deltas!)
        {
            var file = new FileInfo(Path.Combine(box.FeedDirectory, d.File));
            file.Length.Should().Be(d.Size);
            Sha(file.FullName).Should().Be(d.Sha256);
        }

        FeedIndex.Parse(index.ToUtf8Bytes()).Find("2.0.0", "stable")!.Deltas.Should().BeEquivalentTo(entry.Deltas, "the deltas round-trip through the signed index");
    }

    private sealed class Progress : IProgress<AgentProgress>
    {
        public System.Collections.Concurrent.ConcurrentQueue<AgentProgress> Items { get; } = new();

        public void Report(AgentProgress value) => Items.Enqueue(value);
    }

    private static async Task<FeedIndex> PublishAsync(AgentSandbox box, string version)
        => await box.Publisher().PublishAsync(await box.PackageAsync(version, blobBytes: Blob, blobSeed: 1, label: "same"), version);

    private static byte[] BlobOf(int seed)
    {
        var bytes = new byte[Blob];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static string Sha(string path) => Sha(File.ReadAllBytes(path));
}
