using Deploy.Core.Errors;
using Deploy.Core.Operations.Locking;
using Deploy.Kubernetes.Locking;
using Deploy.Kubernetes.Tests.Fake;
using k8s;
using k8s.Models;

namespace Deploy.Kubernetes.Tests.Locking;

[Trait("Category", "Integration")]
public sealed class LeaseLockTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();

    public Task InitializeAsync() => cluster.InitializeAsync();

    public Task DisposeAsync() => cluster.DisposeAsync();

    private LeaseLock Lock(HostLockOptions? options = null) => new(cluster.Connection, "shop", "shop.lock", options ?? new HostLockOptions { HeartbeatInterval = null });

    private static LockHolder Holder(string machine, string operation) =>
        new(machine, 4242, "ops", operation, DateTimeOffset.UtcNow, Guid.NewGuid().ToString("N")[..12]);

    private Task<V1Lease> ReadLeaseAsync() => cluster.Connection.Client.CoordinationV1.ReadNamespacedLeaseAsync("shop.lock", "shop");

    [Fact]
    public async Task A_free_lock_is_taken_as_a_Lease_holding_the_holder_record_and_released_by_clearing_it()
    {
        var holder = Holder("ctl-1", "install shop");

        var lease = await Lock().AcquireAsync(holder);

        lease.TakenOver.Should().BeNull();
        var stored = await ReadLeaseAsync();
        stored.Spec.HolderIdentity.Should().Be(holder.Encode(), "the Lease holds the same record the host lock writes");
        stored.Spec.LeaseDurationSeconds.Should().Be(300);
        stored.Spec.RenewTime.Should().NotBeNull();
        (await Lock().ReadAsync())!.Holder.Should().Be(holder);

        (await lease.ReleaseAsync()).Should().BeTrue();
        (await ReadLeaseAsync()).Spec.HolderIdentity.Should().BeNullOrEmpty();
        (await Lock().ReadAsync()).Should().BeNull();
        (await Lock().AcquireAsync(Holder("ctl-2", "upgrade shop"))).TakenOver.Should().BeNull("a released Lease is free again");
    }

    [Fact]
    public async Task A_held_Lease_is_refused_naming_the_holder()
    {
        var first = Holder("ctl-1", "install shop");
        await using var held = await Lock().AcquireAsync(first);

        var refused = async () => await Lock().AcquireAsync(Holder("ctl-2", "upgrade shop"));

        var e = (await refused.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LockHeld);
        e.Message.Should().Contain("install shop").And.Contain(first.Id).And.Contain("ctl-1");
        e.Path.Should().Be("leases/shop/shop.lock");
        (await ReadLeaseAsync()).Spec.HolderIdentity.Should().Be(first.Encode(), "a refused taker changes nothing");
    }

    [Fact]
    public async Task A_Lease_whose_heartbeat_expired_is_taken_over_with_a_note_and_the_old_holder_cannot_release_it()
    {
        var old = Holder("ctl-far-away", "install shop");
        var stale = await Lock().AcquireAsync(old);
        var lease = await ReadLeaseAsync();
        lease.Spec.RenewTime = DateTime.UtcNow.AddMinutes(-10);
        await cluster.Connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "shop.lock", "shop");

        var taken = await Lock().AcquireAsync(Holder("ctl-2", "upgrade shop"));

        taken.TakenOver.Should().NotBeNull();
        taken.TakenOver!.Reason.Should().Be(LockTakeoverReason.HeartbeatExpired);
        taken.TakenOver.Previous.Should().Be(old);
        taken.TakenOver.HeartbeatAge.Should().BeGreaterThan(TimeSpan.FromMinutes(9));
        (await ReadLeaseAsync()).Spec.LeaseTransitions.Should().Be(1);
        (await stale.ReleaseAsync()).Should().BeFalse("the old holder no longer holds it");
        (await ReadLeaseAsync()).Spec.HolderIdentity.Should().Be(taken.Holder.Encode());
    }

    [Fact]
    public async Task A_stale_Lease_is_refused_as_stale_when_takeover_is_off()
    {
        await Lock().AcquireAsync(Holder("ctl-far-away", "install shop"));
        var lease = await ReadLeaseAsync();
        lease.Spec.RenewTime = DateTime.UtcNow.AddMinutes(-10);
        await cluster.Connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "shop.lock", "shop");

        var refused = async () => await Lock(new HostLockOptions { HeartbeatInterval = null, TakeOverStale = false }).AcquireAsync(Holder("ctl-2", "upgrade shop"));

        (await refused.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.StaleLock);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Acquirers_racing_for_a_free_or_a_stale_Lease_exactly_one_wins(bool stale)
    {
        if (stale)
        {
            await Lock().AcquireAsync(Holder("ctl-far-away", "install shop"));
            var lease = await ReadLeaseAsync();
            lease.Spec.RenewTime = DateTime.UtcNow.AddMinutes(-10);
            await cluster.Connection.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "shop.lock", "shop");
        }

        var holders = Enumerable.Range(0, 8).Select(i => Holder($"ctl-{i}", "upgrade shop")).ToList();
        using var start = new ManualResetEventSlim();
        var attempts = holders.Select(h => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return (Holder: h, Lease: await Lock().AcquireAsync(h), Error: (DeployException?)null);
            }
            catch (DeployException e)
            {
                return (Holder: h, Lease: (LockLease?)null, Error: e);
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        results.Where(r => r.Lease is not null).Should().ContainSingle();
        results.Where(r => r.Error is not null).Should().HaveCount(7).And.OnlyContain(r => r.Error!.Code == DeployErrorCode.LockHeld);
        var winner = results.Single(r => r.Lease is not null).Holder;
        (await ReadLeaseAsync()).Spec.HolderIdentity.Should().Be(winner.Encode());
    }

    [Fact]
    public async Task Renewing_moves_the_renew_time_forward_and_fails_once_the_Lease_is_taken_over()
    {
        var lease = await Lock().AcquireAsync(Holder("ctl-1", "install shop"));
        var before = (await ReadLeaseAsync()).Spec.RenewTime;
        await Task.Delay(20);

        await lease.RenewAsync();
        (await ReadLeaseAsync()).Spec.RenewTime.Should().BeAfter(before!.Value);

        await Lock(new HostLockOptions { HeartbeatInterval = null, ForceTakeOver = true }).AcquireAsync(Holder("ctl-2", "upgrade shop"));
        var renew = async () => await lease.RenewAsync();
        (await renew.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LockHeld);
    }
}
