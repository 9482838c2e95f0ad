using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Kubernetes.Releases;
using Deploy.Kubernetes.Tests.Fake;
using k8s;

namespace Deploy.Kubernetes.Tests.Releases;

[Trait("Category", "Integration")]
public sealed class SecretReleaseStoreTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    private SecretReleaseStore Store(string product = "shop") => new(cluster.Connection, product, "deploy");

    [Fact]
    public async Task A_record_round_trips_gzipped_in_one_numbered_Secret()
    {
        var json = Encoding.UTF8.GetBytes("""{"revision":1,"services":{"web":"1.0"},"note":"多语言"}""");

        await Store().WriteAsync(1, json);

        (await Store().ReadAsync(1)).Should().Equal(json);
        (await Store().ReadAsync(2)).Should().BeNull();
        var secret = await cluster.Connection.Client.CoreV1.ReadNamespacedSecretAsync("shop.release.v1", "deploy");
        secret.Type.Should().Be(SecretReleaseStore.SecretType);
        secret.Data["release"][..2].Should().Equal(new byte[] { 0x1f, 0x8b }, "the record is gzip");
    }

    [Fact]
    public async Task A_record_over_one_MiB_compressed_is_split_into_parts_and_read_back_whole()
    {
        var big = RandomNumberGenerator.GetBytes(2_500_000);   // random bytes do not compress: three parts

        await Store().WriteAsync(3, big);

        (await Store().ReadAsync(3)).Should().Equal(big);
        var secrets = await cluster.Connection.Client.CoreV1.ListNamespacedSecretAsync("deploy");
        secrets.Items.Select(s => s.Metadata.Name).Should().BeEquivalentTo(["shop.release.v3", "shop.release.v3.part1", "shop.release.v3.part2"]);
        secrets.Items.Should().OnlyContain(s => s.Data["release"].Length <= SecretReleaseStore.ChunkSize);
    }

    [Fact]
    public async Task Revisions_are_listed_per_product_in_order_and_never_overwritten()
    {
        await Store().WriteAsync(2, "b"u8.ToArray());
        await Store().WriteAsync(1, "a"u8.ToArray());
        await Store("other").WriteAsync(7, "x"u8.ToArray());

        var act = () => Store().WriteAsync(2, "again"u8.ToArray());

        (await Store().ListAsync()).Should().Equal(1, 2);
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.StateCorrupt);
        Encoding.UTF8.GetString((await Store().ReadAsync(2))!).Should().Be("b");
    }
}
