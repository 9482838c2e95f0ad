using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Locking;
using Deploy.Testing;

namespace Deploy.Core.Tests.Operations;

/// <summary>HostLock over a real sshd: the same scripts, through the SSH transport.</summary>
[Trait("Category", "Integration")]
public sealed class HostLockSshTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>, IAsyncLifetime
{
    private readonly string _dir = "/tmp/deploy-lock-ssh-" + Guid.NewGuid().ToString("N")[..8];
    private IHost _host = null!;

    private string LockPath => _dir + "/control/lock";

    public Task InitializeAsync()
    {
        _host = ssh.Server.CreateHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.RemoveAsync(_dir, recursive: true);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Over_ssh_of_ten_concurrent_acquires_exactly_one_wins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            try
            {
                return await new HostLock(_host, LockPath).AcquireAsync(new LockHolder(Environment.MachineName, Environment.ProcessId, "u", "op", DateTimeOffset.UnixEpoch, "id" + i));
            }
            catch (DeployException e) when (e.Code == DeployErrorCode.LockHeld)
            {
                return null;
            }
        }));

        results.Where(r => r is not null).Should().ContainSingle();
        await results.Single(r => r is not null)!.DisposeAsync();
    }

    [Fact]
    public async Task Over_ssh_a_live_holder_is_refused_by_name_and_release_only_removes_our_own_lock()
    {
        var first = await new HostLock(_host, LockPath).AcquireAsync("sequence-apply");

        var act = () => new HostLock(_host, LockPath).AcquireAsync("package-install");
        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("sequence-apply " + first.Holder.Id);

        var second = await new HostLock(_host, LockPath, new HostLockOptions { ForceTakeOver = true }).AcquireAsync("package-install");
        (await first.ReleaseAsync()).Should().BeFalse();
        (await new HostLock(_host, LockPath).ReadAsync())!.Holder.Should().Be(second.Holder);
        (await second.ReleaseAsync()).Should().BeTrue();
        (await new HostLock(_host, LockPath).ReadAsync()).Should().BeNull();
    }

    [Fact]
    public async Task Over_ssh_a_dead_holders_lock_and_an_expired_heartbeat_are_taken_over_with_notes()
    {
        var dead = new LockHolder(Environment.MachineName, await HostLockTests.ExitedPidAsync(), "old", "op", DateTimeOffset.UnixEpoch, "dead1");
        await _host.CreateDirectoryAsync(_dir + "/control");
        await _host.CreateSymlinkAsync(LockPath, dead.Encode());

        var lease = await new HostLock(_host, LockPath).AcquireAsync("op");
        lease.TakenOver!.Reason.Should().Be(LockTakeoverReason.HolderDead);
        lease.MarkReleased();

        await HostLockTests.AgeAsync(_host, LockPath, TimeSpan.FromMinutes(30));
        await using var next = await new HostLock(_host, LockPath, new HostLockOptions { StaleAfter = TimeSpan.FromMinutes(5) }).AcquireAsync("op");
        next.TakenOver!.Reason.Should().Be(LockTakeoverReason.HeartbeatExpired, "the previous holder is this live process, but its heartbeat is old");
    }
}
