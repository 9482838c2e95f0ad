using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing;

namespace Deploy.Core.Tests.Lifecycle;

public sealed class HostReleaseStoreTests
{
    [Fact]
    public async Task Forty_records_written_to_two_hosts_are_read_back_from_each_in_number_order()
    {
        using var a = new TempDirectory("rel-a");
        using var b = new TempDirectory("rel-b");
        var store = new HostReleaseStore([("a", new LocalHost(new LocalHostOptions { RootDirectory = a.Path })), ("b", new LocalHost(new LocalHostOptions { RootDirectory = b.Path }))], "/releases");
        for (var n = 40; n >= 1; n--)
        {
            await store.WriteAsync(new ReleaseRecord(n, "shop", $"1.0.{n}", n == 1 ? LifecycleOperation.Install : LifecycleOperation.Upgrade) { User = "it's \"me\"\n" }, CancellationToken.None);
        }

        var read = await store.ReadAsync(CancellationToken.None);

        read.Keys.Should().BeEquivalentTo(["a", "b"]);
        foreach (var records in read.Values)
        {
            records.Select(r => r.Number).Should().Equal(Enumerable.Range(1, 40));
            records.Select(r => r.Version).Should().Equal(Enumerable.Range(1, 40).Select(n => $"1.0.{n}"));
            records.Should().OnlyContain(r => r.User == "it's \"me\"\n");
        }
    }

    [Fact]
    public async Task No_directory_means_no_history_and_an_empty_record_is_reported_as_damaged()
    {
        using var dir = new TempDirectory("rel");
        var store = new HostReleaseStore([("a", new LocalHost(new LocalHostOptions { RootDirectory = dir.Path }))], "/releases");

        (await store.ReadAsync(CancellationToken.None))["a"].Should().BeEmpty();

        await store.WriteAsync(new ReleaseRecord(1, "shop", "1.0.0", LifecycleOperation.Install), CancellationToken.None);
        await File.WriteAllTextAsync(dir.Combine("releases", "000002.json"), "");
        var act = () => store.ReadAsync(CancellationToken.None);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.StateCorrupt);
        e.Path.Should().Be("a:/releases/000002.json");
    }
}
