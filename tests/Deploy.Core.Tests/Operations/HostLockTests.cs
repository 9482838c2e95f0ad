using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Locking;
using Deploy.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Deploy.Core.Tests.Operations;

/// <summary>HostLock on a rooted LocalHost (the same scripts run on SSH hosts: see <see cref="HostLockSshTests"/>).</summary>
public sealed class HostLockTests : IDisposable
{
    private const string LockPath = "/var/lib/app/control/lock";
    private readonly TempDirectory _dir = new("deploy-lock");
    private readonly LocalHost _host;

    public HostLockTests() => _host = LocalHost.Rooted(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Acquire_on_a_free_lock_creates_a_symlink_whose_record_names_this_process_and_operation()
    {
        await using var lease = await Lock().AcquireAsync("package-install");

        var status = await Lock().ReadAsync();
        status!.Holder.Should().Be(lease.Holder);
        status.Holder.ProcessId.Should().Be(Environment.ProcessId);
        status.Holder.Operation.Should().Be("package-install");
        lease.TakenOver.Should().BeNull();
        new FileInfo(_host.MapPath(LockPath)).LinkTarget.Should().Be(lease.Record);
    }

    [Fact]
    public async Task Of_twenty_concurrent_acquires_exactly_one_wins_and_the_others_are_refused_naming_it()
    {
        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                return (Lease: await Lock().AcquireAsync(new LockHolder(Environment.MachineName, Environment.ProcessId, "u", "op" + i, DateTimeOffset.UnixEpoch, "id" + i)), Error: (DeployException?)null);
            }
            catch (DeployException e)
            {
                return (Lease: (LockLease?)null, Error: e);
            }
        })).ToArray();
        var results = await Task.WhenAll(attempts);

        var winners = results.Where(r => r.Lease is not null).ToList();
        winners.Should().ContainSingle();
        var winner = winners[0].Lease!;
        results.Where(r => r.Error is not null).Should().HaveCount(19)
            .And.OnlyContain(r => r.Error!.Code == DeployErrorCode.LockHeld && r.Error.Message.Contains(winner.Holder.Operation + " " + winner.Holder.Id, StringComparison.Ordinal));
        await winner.DisposeAsync();
    }

    [Fact]
    public async Task A_live_holder_is_refused_with_LockHeld_naming_its_operation_pid_user_and_machine()
    {
        await using var first = await Lock().AcquireAsync("sequence-apply");

        var act = () => Lock().AcquireAsync("package-install");

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LockHeld);
        e.Path.Should().Be(LockPath);
        e.Message.Should().Contain("sequence-apply").And.Contain($"pid {Environment.ProcessId}").And.Contain(Environment.MachineName).And.Contain(Environment.UserName);
    }

    [Fact]
    public async Task A_lock_whose_holder_process_is_gone_on_this_machine_is_taken_over_with_a_note_in_lease_and_progress()
    {
        var dead = await ExitedPidAsync();
        PlantLock(new LockHolder(Environment.MachineName, dead, "old", "package-install", DateTimeOffset.UnixEpoch, "deadbeef"));
        var events = new List<OperationProgress>();

        await using var lease = await Lock().AcquireAsync("package-install", new SyncProgress(events));

        lease.TakenOver!.Reason.Should().Be(LockTakeoverReason.HolderDead);
        lease.TakenOver.Previous.ProcessId.Should().Be(dead);
        events.Should().ContainSingle(e => e.Kind == OperationEventKind.LockTakenOver).Which.Message.Should().Contain("deadbeef").And.Contain("no longer exists");
        (await Lock().ReadAsync())!.Holder.Should().Be(lease.Holder);
    }

    [Fact]
    public async Task A_lock_held_by_a_zombie_process_counts_as_dead_and_is_taken_over()
    {
        using var parent = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"]) { RedirectStandardOutput = true })!;
        var zombie = int.Parse((await parent.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await WaitUntilAsync(() => File.ReadAllText($"/proc/{zombie}/stat").Split(") ")[1].StartsWith('Z'));
            ProcessLiveness.IsAlive(zombie).Should().BeFalse();
            PlantLock(new LockHolder(Environment.MachineName, zombie, "old", "image-update", DateTimeOffset.UnixEpoch, "zombie1"));

            await using var lease = await Lock().AcquireAsync("image-update");

            lease.TakenOver!.Reason.Should().Be(LockTakeoverReason.HolderDead);
        }
        finally
        {
            parent.Kill();
        }
    }

    [Fact]
    public async Task A_holder_on_another_machine_with_a_fresh_heartbeat_is_refused()
    {
        PlantLock(new LockHolder("elsewhere", 1, "ops", "sequence-apply", DateTimeOffset.UnixEpoch, "remote1"));

        var act = () => Lock().AcquireAsync("sequence-apply");

        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("on elsewhere");
    }

    [Fact]
    public async Task A_holder_whose_heartbeat_is_older_than_StaleAfter_is_taken_over_with_its_age_in_the_note()
    {
        PlantLock(new LockHolder("elsewhere", 1, "ops", "sequence-apply", DateTimeOffset.UnixEpoch, "remote1"));
        await SetLockAgeAsync(TimeSpan.FromMinutes(10));

        await using var lease = await Lock(new HostLockOptions { StaleAfter = TimeSpan.FromMinutes(5) }).AcquireAsync("sequence-apply");

        lease.TakenOver!.Reason.Should().Be(LockTakeoverReason.HeartbeatExpired);
        lease.TakenOver.HeartbeatAge.Should().BeGreaterThan(TimeSpan.FromMinutes(9));
        lease.TakenOver.Describe().Should().Contain("heartbeat");
    }

    [Fact]
    public async Task With_TakeOverStale_off_a_dead_holder_is_refused_with_StaleLock()
    {
        PlantLock(new LockHolder(Environment.MachineName, await ExitedPidAsync(), "old", "op", DateTimeOffset.UnixEpoch, "x1"));

        var act = () => Lock(new HostLockOptions { TakeOverStale = false }).AcquireAsync("op");

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.StaleLock);
    }

    [Fact]
    public async Task ForceTakeOver_takes_a_live_holders_lock_and_the_old_holder_can_no_longer_release_or_renew_it()
    {
        var first = await Lock().AcquireAsync("op");

        await using var second = await Lock(new HostLockOptions { ForceTakeOver = true }).AcquireAsync("op");

        second.TakenOver!.Reason.Should().Be(LockTakeoverReason.Forced);
        var renew = () => first.RenewAsync();
        (await renew.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LockHeld);
        (await first.ReleaseAsync()).Should().BeFalse("the lock is no longer the first holder's");
        (await Lock().ReadAsync())!.Holder.Should().Be(second.Holder);
        await first.DisposeAsync();
        (await Lock().ReadAsync())!.Holder.Should().Be(second.Holder);
    }

    [Fact]
    public async Task Release_removes_the_lock_when_it_is_ours()
    {
        var lease = await Lock().AcquireAsync("op");

        (await lease.ReleaseAsync()).Should().BeTrue();

        (await Lock().ReadAsync()).Should().BeNull();
        File.Exists(_host.MapPath(LockPath + ".takeover")).Should().BeFalse();
    }

    [Fact]
    public async Task The_heartbeat_renews_the_lock_mtime_when_the_interval_passes_on_the_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var lease = await Lock(new HostLockOptions { HeartbeatInterval = TimeSpan.FromSeconds(30), TimeProvider = clock }).AcquireAsync("op");
        await SetLockAgeAsync(TimeSpan.FromHours(1));

        clock.Advance(TimeSpan.FromSeconds(31));

        await WaitUntilAsync(async () => (await _host.StatAsync(LockPath))!.ModifiedTime > DateTimeOffset.UtcNow.AddMinutes(-5));
        lease.Lost.IsCancellationRequested.Should().BeFalse();
    }

    [Fact]
    public async Task A_heartbeat_that_finds_the_lock_taken_over_cancels_Lost()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var lease = await Lock(new HostLockOptions { HeartbeatInterval = TimeSpan.FromSeconds(30), TimeProvider = clock }).AcquireAsync("op");
        await using var thief = await Lock(new HostLockOptions { ForceTakeOver = true, HeartbeatInterval = null }).AcquireAsync("op");

        clock.Advance(TimeSpan.FromSeconds(31));

        await WaitUntilAsync(() => lease.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_lock_that_is_not_an_sdk_record_is_reported_as_StateCorrupt_naming_host_and_path()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MapPath(LockPath))!);
        File.CreateSymbolicLink(_host.MapPath(LockPath), "something-else");

        var act = () => Lock().AcquireAsync("op");

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.StateCorrupt);
        e.Path.Should().Be(LockPath);
        e.Host.Should().Be(_host.Name);
    }

    internal static async Task<int> ExitedPidAsync()
    {
        using var p = Process.Start(new ProcessStartInfo("true"))!;
        var pid = p.Id;
        await p.WaitForExitAsync();
        return pid;
    }

    internal static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the condition should come true");
            await Task.Delay(20);
        }
    }

    private HostLock Lock(HostLockOptions? options = null) => new(_host, LockPath, options);

    private void PlantLock(LockHolder holder)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MapPath(LockPath))!);
        File.CreateSymbolicLink(_host.MapPath(LockPath), holder.Encode());
    }

    private Task SetLockAgeAsync(TimeSpan age) => AgeAsync(_host, LockPath, age);

    /// <summary>Sets a lock's mtime (its heartbeat) <paramref name="age"/> into the past, on any host.</summary>
    internal static async Task AgeAsync(IHost host, string path, TimeSpan age)
        => await host.RunAsync(CommandSpec.Of("touch", "-h", "-d", "@" + DateTimeOffset.UtcNow.Subtract(age).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), path).WithPathArguments(4)).ThrowOnFailure();
}

/// <summary>An IProgress that records synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(List<OperationProgress> events) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value)
    {
        lock (events)
        {
            events.Add(value);
        }
    }
}
