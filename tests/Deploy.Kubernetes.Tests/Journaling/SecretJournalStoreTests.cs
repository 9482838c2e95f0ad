using Deploy.Core.Errors;
using Deploy.Core.Operations.Journaling;
using Deploy.Kubernetes.Journaling;
using Deploy.Kubernetes.Tests.Fake;
using k8s;

namespace Deploy.Kubernetes.Tests.Journaling;

[Trait("Category", "Integration")]
public sealed class SecretJournalStoreTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    private SecretJournalStore Store() => new(cluster.Connection, "shop", "shop.journal");

    private static OperationJournal<List<string>> Journal(string kind, params string[] payload) =>
        new() { Kind = kind, Id = "run-1", Started = DateTimeOffset.UtcNow, Steps = [new JournalStep("apply", StepState.Pending)], Payload = [.. payload] };

    [Fact]
    public async Task A_journal_round_trips_through_one_gzipped_Secret_and_is_deleted()
    {
        (await Store().ReadAsync<List<string>>("lifecycle")).Should().BeNull();

        await Store().WriteAsync(Journal("lifecycle", "web", "订单"));
        await Store().WriteAsync(Journal("lifecycle", "web", "订单", "db"));

        var read = await Store().ReadAsync<List<string>>("lifecycle");
        read!.Payload.Should().Equal("web", "订单", "db");
        var secret = await cluster.Connection.Client.CoreV1.ReadNamespacedSecretAsync("shop.journal", "shop");
        secret.Type.Should().Be(SecretJournalStore.SecretType);
        secret.Data["journal"][..2].Should().Equal(new byte[] { 0x1f, 0x8b });

        await Store().DeleteAsync();
        await Store().DeleteAsync();
        (await Store().ReadAsync<List<string>>("lifecycle")).Should().BeNull();
    }

    [Fact]
    public async Task A_journal_of_another_kind_is_refused_as_corrupt_naming_the_Secret()
    {
        await Store().WriteAsync(Journal("sequence-apply", "web"));

        var read = async () => await Store().ReadAsync<List<string>>("lifecycle");

        var e = (await read.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.StateCorrupt);
        e.Path.Should().Be("secrets/shop/shop.journal");
        e.Message.Should().Contain("sequence-apply");
    }
}
