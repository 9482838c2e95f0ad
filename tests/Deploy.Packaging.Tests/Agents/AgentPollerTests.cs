using System.Threading.Channels;
using Deploy.Core.Errors;
using Deploy.Packaging.Agents;
using Microsoft.Extensions.Time.Testing;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>The pull-mode polling loop: its schedule on a fake clock, real updates against a real feed.</summary>
[Trait("Category", "Integration")]
public sealed class AgentPollerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Jitter = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Each_cycle_waits_the_interval_plus_a_jitter_in_bounds_skips_while_busy_and_picks_up_a_newer_version()
    {
        await using var box = await AgentSandbox.StartAsync();
        await box.PublishAsync("1.0.0");
        var busyFile = Path.Combine(box.AppDirectory, "busy");
        await using var updater = new AgentUpdater(box.Options() with { BusyCommand = ["/bin/sh", "-c", $"test ! -f '{busyFile}'"] });
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var poller = new AgentPoller(updater, new AgentPollOptions { Interval = Interval, Jitter = Jitter, TimeProvider = clock });
        var cycles = Channel.CreateUnbounded<AgentPollCycle>();
        using var stop = new CancellationTokenSource();
        var loop = poller.RunAsync(new SyncReport(c => cycles.Writer.TryWrite(c)), stop.Token);

        var first = await NextCycleAsync(clock, cycles.Reader);
        await File.WriteAllTextAsync(busyFile, "backup running");
        await box.PublishAsync("2.0.0", minimumFrom: "1.0.0");
        var busy = await NextCycleAsync(clock, cycles.Reader);
        File.Delete(busyFile);
        var third = await NextCycleAsync(clock, cycles.Reader);
        await stop.CancelAsync();
        var ran = await loop.WaitAsync(TimeSpan.FromMinutes(1));

        foreach (var cycle in new[] { first, busy, third })
        {
            cycle.Delay.Should().BeGreaterThanOrEqualTo(Interval).And.BeLessThan(Interval + Jitter, "cycle {0} waits the interval plus a jitter below the bound", cycle.Number);
            (cycle.Started - cycle.WaitStarted).Should().BeGreaterThanOrEqualTo(cycle.Delay, "cycle {0} does not start before its wait is over", cycle.Number)
                .And.BeLessThanOrEqualTo(cycle.Delay + (4 * Step), "cycle {0} starts as soon as the poll clock passes its wait", cycle.Number);
        }

        first.Result!.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated);
        first.Result.Version.Should().Be("1.0.0");
        busy.Error!.Code.Should().Be(DeployErrorCode.AgentBusy, "the busy hook holds the upgrade and the loop carries on");
        third.Result!.Outcome.Kind.Should().Be(AgentOutcomeKind.Updated, "a later cycle picks up the version published meanwhile");
        third.Result.Version.Should().Be("2.0.0");
        third.Number.Should().Be(3);
        box.CurrentVersionFile.Should().Be("2.0.0");
        box.RestartedWith.Should().Be("2.0.0");
        ran.Should().Be(3, "cancelling the wait stops the loop cleanly, without an exception");
    }

    [Fact]
    public async Task The_delay_is_never_below_the_interval_nor_at_or_above_interval_plus_jitter_and_it_varies()
    {
        await using var updater = new AgentUpdater(new AgentUpdateOptions { Feed = new Uri("http://127.0.0.1:9/"), AppDirectory = "/nonexistent", TrustedKeys = [] });
        var poller = new AgentPoller(updater, new AgentPollOptions { Interval = Interval, Jitter = Jitter });

        var delays = Enumerable.Range(0, 500).Select(_ => poller.NextDelay()).ToList();

        delays.Should().OnlyContain(d => d >= Interval && d < Interval + Jitter);
        delays.Distinct().Count().Should().BeGreaterThan(100, "the jitter spreads a fleet's checks");
        (delays.Max() - delays.Min()).Should().BeGreaterThan(Jitter / 2);
    }

    /// <summary>Moves the poll clock forward in steps until the next cycle reports (the update itself runs on real
    /// time); each step waits briefly for a report so the cycle starts close to its due time.</summary>
    private static async Task<AgentPollCycle> NextCycleAsync(FakeTimeProvider clock, ChannelReader<AgentPollCycle> reader)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            try
            {
                return await reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                clock.Advance(Step);
            }
        }

        throw new TimeoutException("no poll cycle within 2 minutes");
    }

    private sealed class SyncReport(Action<AgentPollCycle> report) : IProgress<AgentPollCycle>
    {
        public void Report(AgentPollCycle value) => report(value);
    }
}
