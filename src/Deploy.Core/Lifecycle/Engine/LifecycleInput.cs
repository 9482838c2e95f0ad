using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>The product being operated on: its definition, where its services run, and the site values.</summary>
/// <param name="Product">The loaded product (<see cref="ProductLoader"/>).</param>
/// <param name="Schedule">Which services run on which hosts.</param>
public sealed record LifecycleInput(ProductDefinition Product, Schedule Schedule)
{
    /// <summary>The site values (<see cref="SiteValues"/>). <value>Empty.</value></summary>
    public IReadOnlyDictionary<string, object?> SiteValues { get; init; } = ValueTree.Empty;

    /// <summary>The package of the installed release, when at hand: a failed upgrade (e.g. its auto-test) then puts
    /// the upgraded services back to it, with the config files as they were on the targets. Without it, upgraded
    /// services stay new on a failure (use <c>rollback</c>). <value><c>null</c>.</value></summary>
    public ProductDefinition? Previous { get; init; }
}

/// <summary>What a lifecycle run did.</summary>
/// <param name="Plan">The plan applied.</param>
/// <param name="Release">The release recorded on the targets.</param>
public sealed record LifecycleResult(LifecyclePlan Plan, ReleaseRecord Release)
{
    /// <summary>Whether it continued an interrupted run.</summary>
    public bool Resumed { get; init; }

    /// <summary>The auto-test results, when asked for.</summary>
    public AppTestReport? Tests { get; init; }

    /// <summary>What the run could not clean up and went on without (also in <see cref="ReleaseRecord.LeftOver"/>).</summary>
    public IReadOnlyList<LeftOver> LeftOver => Release.LeftOver;

    /// <summary>The precheck that gated the run (its warnings included); <c>null</c> when none ran.</summary>
    public CheckResult? Precheck { get; init; }

    /// <summary>Bytes sent to the targets to place each service's files and configs (service name to the sum over its
    /// hosts), as the backend's transfers counted them: only what the targets did not have (the sequence engine compares
    /// by checksum), so an upgrade of one service sends about its changed files only. Not counted: the service folder
    /// kept on the targets for <c>rollback</c> (<see cref="ILifecycleBackend.KeepPayloadsAsync"/>), which the hosts
    /// backend copies on the target from the files it placed, uploading only what is never placed (the service's
    /// yaml and templates). A resumed run counts its own part only.</summary>
    public IReadOnlyDictionary<string, long> BytesByService { get; init; } = new Dictionary<string, long>();

    /// <summary>The wall time of each phase of the run (lock, read releases, plan, render, merge, precheck, apply, test,
    /// record), as also reported by the <see cref="LifecycleEventKind.Timings"/> event. <value>Empty when not measured.</value></summary>
    public IReadOnlyList<LifecyclePhaseTiming> Phases { get; init; } = [];

    /// <summary>The sum of <see cref="BytesByService"/>.</summary>
    public long BytesTransferred => BytesByService.Values.Sum();
}
