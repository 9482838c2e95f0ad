using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Fleet;

public sealed class HostFleetTests : IDisposable
{
    private readonly FleetTestHosts _hosts = new(12);

    public void Dispose() => _hosts.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task No_more_than_MaxParallelism_hosts_run_at_once_and_the_bound_is_reached(int parallelism)
    {
        var running = 0;
        var maxSeen = 0;
        var fleet = _hosts.Fleet(new FleetOptions { MaxParallelism = parallelism });

        var result = await fleet.RunAsync(async (host, ctx, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxSeen, now);
            await Task.Delay(100, ct);
            Interlocked.Decrement(ref running);
            return ctx.Index;
        });

        result.AllSucceeded.Should().BeTrue();
        maxSeen.Should().Be(parallelism);
        result.Hosts.Select(h => h.Value).Should().Equal(Enumerable.Range(0, 12));
    }

    [Fact]
    public async Task Results_come_back_in_fleet_order_whatever_order_hosts_finish_in()
    {
        var finished = new List<string>();
        var result = await _hosts.Fleet(new FleetOptions { MaxParallelism = 12 }).RunAsync(async (host, ctx, ct) =>
        {
            await Task.Delay((12 - ctx.Index) * 30, ct);
            lock (finished)
            {
                finished.Add(ctx.Name);
            }

            return host.Name;
        });

        finished.Should().NotEqual(_hosts.Hosts.Select(h => h.Name), "later hosts have shorter delays and finish earlier");
        result.Hosts.Select(h => h.Name).Should().Equal(_hosts.Hosts.Select(h => h.Name));
        result.Hosts.Select(h => h.Index).Should().Equal(Enumerable.Range(0, 12));
        result.Hosts.Should().OnlyContain(h => h.Value == h.Name && h.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task Continue_mode_runs_every_host_and_collects_each_failure()
    {
        var result = await _hosts.Fleet(new FleetOptions { MaxParallelism = 4 }).RunAsync(async (host, ctx, ct) =>
        {
            await Task.Yield();
            if (ctx.Index is 2 or 7)
            {
                throw new DeployException(DeployErrorCode.CommandFailed, $"boom on {ctx.Name}");
            }

            return ctx.Index;
        });

        result.Aborted.Should().BeFalse();
        result.Failed.Select(f => f.Name).Should().Equal("h2", "h7");
        result.Failed.Should().OnlyContain(f => f.Error!.Message.StartsWith("boom", StringComparison.Ordinal));
        result.Succeeded.Should().HaveCount(10);
        result.NotRun.Should().BeEmpty();

        var act = () => result.ThrowOnFailure();
        var e = act.Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.CommandFailed);
        e.Message.Should().Contain("2 of 12 hosts failed: h2, h7");
        e.InnerException.Should().BeOfType<AggregateException>();
    }

    [Fact]
    public async Task Fail_fast_cancels_running_hosts_and_never_starts_the_rest()
    {
        var started = new List<int>();
        var sw = Stopwatch.StartNew();
        var progress = new RecordingProgress();
        var result = await _hosts.Fleet(new FleetOptions { MaxParallelism = 3, FailureMode = FleetFailureMode.FailFast }).RunAsync(async (host, ctx, ct) =>
        {
            lock (started)
            {
                started.Add(ctx.Index);
            }

            if (ctx.Index == 1)
            {
                await Task.Delay(50, ct);
                throw new InvalidOperationException("host 1 broke");
            }

            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return ctx.Index;
        }, progress);

        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        started.Should().BeEquivalentTo([0, 1, 2]);
        result["h1"].Status.Should().Be(FleetHostStatus.Failed);
        result["h1"].Error.Should().BeOfType<InvalidOperationException>();
        result["h0"].Status.Should().Be(FleetHostStatus.Cancelled);
        result["h2"].Status.Should().Be(FleetHostStatus.Cancelled);
        result.NotRun.Select(h => h.Index).Should().Equal(Enumerable.Range(3, 9));
        result.Aborted.Should().BeTrue();
        result.AbortReason.Should().Contain("h1");
        progress.Events.Should().ContainSingle(p => p.Kind == FleetProgressKind.RolloutAborted);

        var act = () => result.ThrowOnFailure();
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.RolloutAborted);
    }

    [Fact]
    public async Task Fail_fast_kills_real_commands_running_on_other_hosts()
    {
        var sw = Stopwatch.StartNew();
        var result = await _hosts.Fleet(new FleetOptions { MaxParallelism = 12, FailureMode = FleetFailureMode.FailFast })
            .RunAsync((host, ctx, ct) => host.RunAsync(ctx.Index == 5 ? CommandSpec.Of("sh", "-c", "sleep 0.2; exit 3") : CommandSpec.Of("sleep", "30"), ct).ThrowOnFailure());

        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        result["h5"].Status.Should().Be(FleetHostStatus.Failed);
        ((DeployException)result["h5"].Error!).ExitCode.Should().Be(3);
        result.Cancelled.Should().HaveCount(11);
    }

    [Fact]
    public async Task Rolling_batches_run_in_order_each_after_the_previous_finished()
    {
        var log = new List<(int Batch, string Event, long Tick)>();
        long tick = 0;
        var options = new FleetOptions { MaxParallelism = 10 }.WithBatches("1", "25%");
        var progress = new RecordingProgress();

        var result = await _hosts.Fleet(options).RunAsync(async (host, ctx, ct) =>
        {
            lock (log)
            {
                log.Add((ctx.Batch, "start", Interlocked.Increment(ref tick)));
            }

            await Task.Delay(30 + (ctx.Index % 3 * 20), ct);
            lock (log)
            {
                log.Add((ctx.Batch, "end", Interlocked.Increment(ref tick)));
            }

            return ctx.Batch;
        }, progress);

        // 12 hosts: 1 canary, then 25% = 3 at a time: 1 + 3 + 3 + 3 + 2.
        result.BatchCount.Should().Be(5);
        result.Hosts.Select(h => h.Batch).Should().Equal(0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4);
        result.Hosts.Select(h => h.Value).Should().Equal(result.Hosts.Select(h => h.Batch));
        for (var b = 1; b < 5; b++)
        {
            var lastEndBefore = log.Where(e => e.Batch == b - 1 && e.Event == "end").Max(e => e.Tick);
            var firstStart = log.Where(e => e.Batch == b && e.Event == "start").Min(e => e.Tick);
            firstStart.Should().BeGreaterThan(lastEndBefore, $"batch {b} starts only after batch {b - 1} finished");
        }

        progress.Events.Where(p => p.Kind == FleetProgressKind.BatchStarted).Select(p => (p.Batch, p.BatchSize))
            .Should().Equal((0, 1), (1, 3), (2, 3), (3, 3), (4, 2));
    }

    [Fact]
    public async Task Too_many_failures_in_a_batch_abort_the_rollout_and_later_batches_do_not_run()
    {
        var ran = new List<int>();
        var options = new FleetOptions { MaxFailurePercentage = 40 }.WithBatches("2");
        var result = await _hosts.Fleet(options).RunAsync(async (host, ctx, ct) =>
        {
            lock (ran)
            {
                ran.Add(ctx.Index);
            }

            await Task.Delay(10, ct);
            return ctx.Index == 3 ? throw new DeployException(DeployErrorCode.ServiceFailed, "service did not start") : ctx.Index;
        });

        ran.Should().BeEquivalentTo([0, 1, 2, 3], "batch 2 (hosts 2, 3) had 50% failures, more than 40%");
        result.Aborted.Should().BeTrue();
        result.AbortReason.Should().Be("1 of 2 hosts in batch 2 failed (50%), more than the allowed 40%.");
        result.Succeeded.Select(h => h.Index).Should().Equal(0, 1, 2);
        result.Failed.Select(h => h.Index).Should().Equal(3);
        result.NotRun.Select(h => h.Index).Should().Equal(4, 5, 6, 7, 8, 9, 10, 11);
        result.NotRun.Select(h => h.Batch).Should().Equal(2, 2, 3, 3, 4, 4, 5, 5);

        var act = () => result.ThrowOnFailure();
        var e = act.Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.RolloutAborted);
        e.Message.Should().Contain("Failed: h3").And.Contain("not run: 8 of 12");
    }

    [Fact]
    public async Task A_failure_rate_equal_to_the_limit_does_not_abort()
    {
        var options = new FleetOptions { MaxFailurePercentage = 50 }.WithBatches("2");
        var result = await _hosts.Fleet(options).RunAsync((host, ctx, ct) =>
            ctx.Index % 2 == 1 ? Task.FromException<int>(new InvalidOperationException("odd")) : Task.FromResult(ctx.Index));

        result.Aborted.Should().BeFalse();
        result.Failed.Should().HaveCount(6);
        result.NotRun.Should().BeEmpty();
    }

    [Fact]
    public async Task Zero_percent_stops_after_the_first_batch_with_a_failure()
    {
        var options = new FleetOptions { MaxFailurePercentage = 0 }.WithBatches("25%");
        var result = await _hosts.Fleet(options).RunAsync((host, ctx, ct) =>
            ctx.Index == 4 ? Task.FromException<int>(new InvalidOperationException("canary")) : Task.FromResult(ctx.Index));

        result.Aborted.Should().BeTrue();
        result.Succeeded.Select(h => h.Index).Should().Equal(0, 1, 2, 3, 5);
        result.NotRun.Select(h => h.Index).Should().Equal(6, 7, 8, 9, 10, 11);
    }

    [Fact]
    public async Task The_failure_budget_counts_failures_across_cohorts_and_halts_when_exceeded_leaving_the_rest_not_run()
    {
        var options = new FleetOptions { MaxFailures = 1 }.WithCohorts("1", "2", "50%", "100%");
        var result = await _hosts.Fleet(options).RunAsync((host, ctx, ct) =>
            ctx.Index is 0 or 1 ? Task.FromException<int>(new InvalidOperationException("unhealthy")) : Task.FromResult(ctx.Index));

        result.BatchCount.Should().Be(4, "cohorts 1, 2, 6 and 12 hosts of 12 are batches of 1, 1, 4 and 6");
        result.Failed.Select(h => h.Index).Should().Equal(0, 1);
        result.Aborted.Should().BeTrue("2 failures exceed a budget of 1 after the second cohort");
        result.AbortReason.Should().StartWith("2 hosts failed in batches 1-2, more than the failure budget of 1");
        result.NotRun.Select(h => h.Index).Should().Equal(2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    [Fact]
    public async Task Failures_within_the_budget_let_every_cohort_run()
    {
        var options = new FleetOptions { MaxFailures = 2 }.WithCohorts("1", "50%");
        var result = await _hosts.Fleet(options).RunAsync((host, ctx, ct) =>
            ctx.Index is 0 or 11 ? Task.FromException<int>(new InvalidOperationException("unhealthy")) : Task.FromResult(ctx.Index));

        result.Aborted.Should().BeFalse();
        result.BatchCount.Should().Be(3, "1 host, up to 6, then the 6 the last stage did not reach");
        result.Succeeded.Should().HaveCount(10);
    }

    [Fact]
    public void Cohorts_and_rolling_batches_together_are_refused()
    {
        var act = () => new HostFleet([], new FleetOptions { MaxFailures = 0 }.WithBatches("1").WithCohorts("1", "100%"));
        act.Should().Throw<ArgumentException>().WithMessage("*either Cohorts*");
    }

    [Fact]
    public async Task Caller_cancellation_stops_running_hosts_and_throws_after_they_wound_down()
    {
        using var cts = new CancellationTokenSource();
        var running = 0;
        var started = 0;
        var sw = Stopwatch.StartNew();
        var run = _hosts.Fleet(new FleetOptions { MaxParallelism = 4 }).RunAsync(async (host, ctx, ct) =>
        {
            Interlocked.Increment(ref started);
            Interlocked.Increment(ref running);
            try
            {
                await host.RunAsync(CommandSpec.Of("sleep", "30"), ct);
                return 0;
            }
            finally
            {
                await Task.Delay(50, CancellationToken.None);
                Interlocked.Decrement(ref running);
            }
        }, cancellationToken: cts.Token);

        await Task.Delay(500);
        await cts.CancelAsync();
        var act = async () => await run;
        await act.Should().ThrowAsync<OperationCanceledException>();
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        running.Should().Be(0, "nothing keeps running after RunAsync returns");
        started.Should().Be(4, "hosts not started yet are not started after cancellation");
    }

    [Fact]
    public async Task A_host_that_exceeds_HostTimeout_fails_with_Timeout_and_others_succeed()
    {
        var result = await _hosts.Fleet(new FleetOptions { HostTimeout = TimeSpan.FromMilliseconds(300) }).RunAsync(async (host, ctx, ct) =>
        {
            await Task.Delay(ctx.Index == 0 ? TimeSpan.FromSeconds(30) : TimeSpan.FromMilliseconds(5), ct);
            return ctx.Index;
        });

        result["h0"].Status.Should().Be(FleetHostStatus.Failed);
        result["h0"].Error.Should().BeOfType<DeployException>().Which.Code.Should().Be(DeployErrorCode.Timeout);
        result.Succeeded.Should().HaveCount(11);
    }

    [Fact]
    public async Task Progress_reports_each_host_start_and_finish_with_counts()
    {
        var progress = new RecordingProgress();
        await _hosts.Fleet(new FleetOptions { MaxParallelism = 2 }).RunAsync(
            (host, ctx, ct) => ctx.Index == 3 ? Task.FromException<int>(new InvalidOperationException("x")) : Task.FromResult(1), progress);

        var events = progress.Events;
        events[0].Kind.Should().Be(FleetProgressKind.BatchStarted);
        events[0].BatchSize.Should().Be(12);
        events.Count(e => e.Kind == FleetProgressKind.HostStarted).Should().Be(12);
        events.Count(e => e.Kind == FleetProgressKind.HostSucceeded).Should().Be(11);
        events.Single(e => e.Kind == FleetProgressKind.HostFailed).Should().Match<FleetProgress>(e => e.Host == "h3" && e.Message == "x");
        foreach (var host in _hosts.Hosts)
        {
            var started = events.ToList().FindIndex(e => e.Kind == FleetProgressKind.HostStarted && e.Host == host.Name);
            var finished = events.ToList().FindIndex(e => e.Kind is FleetProgressKind.HostSucceeded or FleetProgressKind.HostFailed && e.Host == host.Name);
            started.Should().BeLessThan(finished);
        }

        events.Where(e => e.Kind is FleetProgressKind.HostSucceeded or FleetProgressKind.HostFailed).Select(e => e.Completed)
            .Should().BeEquivalentTo(Enumerable.Range(1, 12));
        events.Should().OnlyContain(e => e.Total == 12);
    }

    [Fact]
    public async Task Command_and_upload_fan_out_reach_every_host()
    {
        using var source = new Deploy.Testing.TempDirectory("fleet-src");
        var files = new[] { "bin/run.sh", "conf/app 配置.conf" }
            .Select(f => new FileUpload(source.WriteFile(f, "content of " + f), "/opt/app/" + f))
            .ToList();
        var fleet = _hosts.Fleet(new FleetOptions { MaxParallelism = 4 });

        var upload = await fleet.UploadAsync(files);
        upload.ThrowOnFailure().Hosts.Should().OnlyContain(h => h.Value!.Files == 2);

        var run = await fleet.RunCommandAsync(CommandSpec.Of("sh", "-c", "cat \"$DEPLOY_ROOT/opt/app/conf/app 配置.conf\"; test \"$(basename \"$DEPLOY_ROOT\")\" != h6"));
        run.Succeeded.Should().HaveCount(11);
        run.Succeeded.Should().OnlyContain(h => h.Value!.StandardOutput == "content of conf/app 配置.conf");
        var failure = run["h6"].Error.Should().BeOfType<DeployException>().Which;
        failure.Code.Should().Be(DeployErrorCode.CommandFailed);
        failure.ExitCode.Should().Be(1);
        foreach (var host in _hosts.Hosts)
        {
            File.ReadAllText(host.MapPath("/opt/app/bin/run.sh")).Should().Be("content of bin/run.sh");
        }
    }

    [Fact]
    public void Target_names_must_be_unique()
    {
        var act = () => HostFleet.Of([_hosts.Hosts[0], _hosts.Hosts[0]]);
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.InvalidArgument);
    }

    [Fact]
    public void Invalid_options_are_rejected_before_any_work()
    {
        var fleet = _hosts.Fleet();
        var act = () => fleet.RunAsync((h, c, ct) => Task.FromResult(1), new FleetOptions { MaxParallelism = 0 });
        act.Should().ThrowAsync<ArgumentOutOfRangeException>();
        var act2 = () => new HostFleet([], new FleetOptions { MaxFailurePercentage = 101 });
        act2.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task An_empty_fleet_succeeds_with_no_batches()
    {
        var result = await new HostFleet([]).RunAsync((h, c, ct) => Task.FromResult(1));
        result.Hosts.Should().BeEmpty();
        result.BatchCount.Should().Be(0);
        result.AllSucceeded.Should().BeTrue();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
