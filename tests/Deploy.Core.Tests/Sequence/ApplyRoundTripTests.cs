using Deploy.Core.Errors;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// How many remote invocations (commands, listings, reads, writes, bulk uploads) an apply over SSH costs, counted by
/// a decorator of the host: each is a round trip to the target, so these guard the speed of an apply without timing it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApplyRoundTripTests(CleanShellSshServerFixture fixture) : IClassFixture<CleanShellSshServerFixture>
{
    [Fact]
    public async Task No_op_redeploy_over_ssh_costs_one_listing_of_the_control_directory()
    {
        using var dir = new TempDirectory("rt-noop");
        var (target, _) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var host = new RoundTripCountingHost(ssh);
        var applier = SequenceApplier.ForHost(host, target);
        await applier.ApplyAsync(target);
        host.Reset();

        var result = await applier.ApplyAsync(target);

        result.Plan.IsEmpty.Should().BeTrue();
        host.Calls.Should().ContainSingle().Which.Should().StartWith("list ");
    }

    [Fact]
    public async Task The_records_are_read_while_the_local_files_are_scanned_not_after()
    {
        using var dir = new TempDirectory("rt-overlap");
        var (target, _) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var applier = SequenceApplier.ForHost(ssh, target);
        await applier.ApplyAsync(target);

        var result = await applier.ApplyAsync(target);

        // Each phase's start is taken when it begins: a read started only after the scan would start after it ended.
        var scan = result.Phases.Single(p => p.Phase == ApplyPhase.Scan);
        var read = result.Phases.First(p => p.Phase == ApplyPhase.StateRead);
        read.Start.Should().BeLessThan(scan.Start + scan.Duration, "the read's round trip overlaps the scan");
        result.Plan.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task Apply_of_10_changed_files_over_ssh_costs_at_most_four_remote_invocations_and_commits_in_the_upload()
    {
        using var dir = new TempDirectory("rt-ten");
        var (target, source) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var host = new RoundTripCountingHost(ssh);
        var applier = SequenceApplier.ForHost(host, target);
        await applier.ApplyAsync(target);
        for (var i = 0; i < 10; i++)
        {
            File.WriteAllText(Path.Combine(source, $"f{i * 7:000}.txt"), $"changed {i}");
        }

        host.Reset();

        var result = await applier.ApplyAsync(target);

        result.FilesTransferred.Should().Be(10);
        host.Calls.Should().HaveCountLessThanOrEqualTo(4, string.Join("\n", host.Calls));
        host.Calls.Should().ContainSingle(c => c.StartsWith("upload ", StringComparison.Ordinal)).Which.Should().EndWith("then state-commit.sh", "the upload's own command commits the state, deletes the journal and releases the lock");
        for (var i = 0; i < 10; i++)
        {
            File.ReadAllText(dir.Combine($"remote/app/f{i * 7:000}.txt")).Should().Be($"changed {i}");
        }

        host.Reset();
        (await applier.ApplyAsync(target)).Plan.IsEmpty.Should().BeTrue("the new state was recorded and the lock released");
        Directory.EnumerateFileSystemEntries(dir.Combine("remote/state/control")).Select(Path.GetFileName).Should().BeEquivalentTo(["state.json"]);
    }

    [Fact]
    public async Task An_apply_that_finished_between_the_first_read_and_the_lock_is_seen_under_the_lock_and_its_files_are_not_sent_again()
    {
        using var dir = new TempDirectory("rt-race");
        var (target, source) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var host = new RoundTripCountingHost(ssh);
        var applier = SequenceApplier.ForHost(host, target);
        await applier.ApplyAsync(target);
        File.WriteAllText(Path.Combine(source, "f005.txt"), "changed");
        var other = SequenceApplier.ForHost(ssh, target);
        var raced = false;
        host.BeforeCommand = async argv =>
        {
            // Just before our lock is taken (the acquire script links the holder record), another apply completes.
            if (!raced && argv.Count > 2 && argv[2].Contains("ln -s", StringComparison.Ordinal))
            {
                raced = true;
                (await other.ApplyAsync(target)).FilesTransferred.Should().Be(1);
            }
        };
        host.Reset();

        var result = await applier.ApplyAsync(target);

        raced.Should().BeTrue();
        result.Plan.IsEmpty.Should().BeTrue("the other apply recorded the change before our lock was taken");
        result.FilesTransferred.Should().Be(0);
        host.Calls.Should().NotContain(c => c.StartsWith("upload", StringComparison.Ordinal));
        Directory.EnumerateFileSystemEntries(dir.Combine("remote/state/control")).Select(Path.GetFileName).Should().BeEquivalentTo(["state.json"]);
    }

    [Fact]
    public async Task An_apply_cancelled_after_the_upload_committed_leaves_no_journal_and_no_lock_behind()
    {
        using var dir = new TempDirectory("rt-cancel");
        var (target, source) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var applier = SequenceApplier.ForHost(ssh, target);
        await applier.ApplyAsync(target);
        File.WriteAllText(Path.Combine(source, "f003.txt"), "changed");
        using var cts = new CancellationTokenSource();
        var observer = new CancelAtLastStep(cts);

        var act = () => applier.ApplyAsync(target, new ApplyOptions { Observer = observer }, cancellationToken: cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        observer.Cancelled.Should().BeTrue("the run reached the boundary before its last step (the commit the upload already did)");
        Directory.EnumerateFileSystemEntries(dir.Combine("remote/state/control")).Select(Path.GetFileName).Should().BeEquivalentTo(["state.json"], "the upload's command committed, deleted the journal and released the lock; nothing may write a journal after that");
        File.ReadAllText(dir.Combine("remote/app/f003.txt")).Should().Be("changed");
        (await applier.ApplyAsync(target)).Plan.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_first_deploy_takes_the_lock_while_it_scans_and_releases_it_when_the_scan_fails()
    {
        using var dir = new TempDirectory("rt-first-lock");
        var (target, source) = Make(dir);
        var broken = target with { Components = [target.Components[0] with { Files = [.. target.Components[0].Files, new ComponentFile(Path.Combine(source, "missing.txt"), dir.Combine("remote/missing.txt"))] }] };
        await using var ssh = fixture.Server.CreateHost();
        var host = new RoundTripCountingHost(ssh);
        var scripts = new List<string>();
        host.BeforeCommand = argv =>
        {
            scripts.Add(argv.Count > 2 && argv[2].Contains("ln -s", StringComparison.Ordinal) ? "acquire" : argv.Count > 2 && argv[2].Contains("= touch", StringComparison.Ordinal) ? "release" : "other");
            return Task.CompletedTask;
        };
        var applier = SequenceApplier.ForHost(host, broken);

        var act = () => applier.ApplyAsync(broken);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        // The read found no records, journal or lock: a first deploy, which needs the lock whatever the scan finds.
        host.Calls.Should().HaveCount(3, string.Join("\n", host.Calls));
        host.Calls[0].Should().StartWith("list ");
        scripts.Should().Equal(["acquire", "release"], "the lock is taken once the read shows an unrecorded target, not after the scan, and the failed scan releases it");
        Directory.Exists(dir.Combine("remote/state/control")).Should().BeTrue();
        Directory.EnumerateFileSystemEntries(dir.Combine("remote/state/control")).Should().BeEmpty("the lock was released");

        host.Reset();
        host.BeforeCommand = null;
        var result = await SequenceApplier.ForHost(host, target).ApplyAsync(target);

        result.FilesTransferred.Should().Be(100);
        host.Calls.Where(c => c.StartsWith("list ", StringComparison.Ordinal)).Should().ContainSingle("the lock's own listing serves the read under the lock");
        Directory.EnumerateFileSystemEntries(dir.Combine("remote/state/control")).Select(Path.GetFileName).Should().BeEquivalentTo(["state.json"]);
    }

    [Fact]
    public async Task On_a_recorded_target_a_failed_scan_takes_no_lock()
    {
        using var dir = new TempDirectory("rt-recorded-lock");
        var (target, source) = Make(dir);
        await using var ssh = fixture.Server.CreateHost();
        var host = new RoundTripCountingHost(ssh);
        var applier = SequenceApplier.ForHost(host, target);
        await applier.ApplyAsync(target);
        var broken = target with { Components = [target.Components[0] with { Files = [.. target.Components[0].Files, new ComponentFile(Path.Combine(source, "missing.txt"), dir.Combine("remote/missing.txt"))] }] };
        host.Reset();

        var act = () => applier.ApplyAsync(broken);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        host.Calls.Should().ContainSingle().Which.Should().StartWith("list ", "the plan decides whether the lock is needed, and there is no plan");
    }

    /// <summary>Cancels the run at the boundary before its last step.</summary>
    private sealed class CancelAtLastStep(CancellationTokenSource cts) : Deploy.Core.Operations.Running.IOperationObserver
    {
        public bool Cancelled { get; private set; }

        public Task AtBoundaryAsync(Deploy.Core.Operations.Running.OperationBoundary boundary, CancellationToken cancellationToken)
        {
            if (boundary.Index == boundary.Count - 1)
            {
                Cancelled = true;
                cts.Cancel();
            }

            return Task.CompletedTask;
        }
    }

    private static (TargetDefinition Target, string Source) Make(TempDirectory dir)
    {
        var source = dir.Combine("src");
        Directory.CreateDirectory(source);
        for (var i = 0; i < 100; i++)
        {
            File.WriteAllText(Path.Combine(source, $"f{i:000}.txt"), $"file {i}");
        }

        var target = TargetBuilder.Create("rt")
            .WithStateDirectory(dir.Combine("remote/state"))
            .AddComponent("app", c => c.AddFile(source, dir.Combine("remote/app"), ChangeEvent.Restart))
            .Build();
        return (target, source);
    }
}
