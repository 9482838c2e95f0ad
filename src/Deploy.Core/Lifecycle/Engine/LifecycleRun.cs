using System.Collections.Concurrent;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>What a lifecycle run journals on the target: enough for any later run (from any machine) to resume or
/// roll it back given the same package.</summary>
/// <param name="Plan">The plan being applied.</param>
/// <param name="Number">The release number it records.</param>
/// <param name="User">Who started it.</param>
/// <param name="Machine">From where.</param>
/// <param name="Started">When.</param>
public sealed record LifecycleJournal(LifecyclePlan Plan, int Number, string User, string Machine, DateTimeOffset Started)
{
    /// <summary>Steps (<c>service@host</c>) known completed.</summary>
    public IReadOnlyList<string> Done { get; init; } = [];

    /// <summary>What the run's steps left behind so far (kept across a resume).</summary>
    public IReadOnlyList<LeftOver> LeftOver { get; init; } = [];
}

/// <summary>Something an operation could not clean up and went on without (e.g. a delete hook that hung and was killed).</summary>
/// <param name="Service">The service.</param>
/// <param name="Host">The host.</param>
/// <param name="What">What is left and why, e.g. <c>the delete hook ran past its timeout of 00:00:02 and was killed (KILL): ...</c>.</param>
public sealed record LeftOver(string Service, string Host, string What)
{
    /// <summary>Whether the service itself is still installed on the host (its removal failed, or was not safe while a
    /// service depending on it stays): the release keeps it, and the next delete tries again. <value><c>false</c>: the
    /// service was removed and only what its hook had to clean up is left.</value></summary>
    public bool StillInstalled { get; init; }
}

/// <summary>The shared state of one run's steps.</summary>
internal sealed class LifecycleRun
{
    public required ILifecycleBackend Backend { get; init; }

    public required ProductDefinition Product { get; init; }

    public required LifecycleJournal Journal { get; init; }

    public required ReleaseRecord? Previous { get; init; }

    /// <summary>Rendered services by <c>service@host</c> (for every non-keep step).</summary>
    public required IReadOnlyDictionary<string, RenderedService> Rendered { get; init; }

    /// <summary>Config contents to write (target path to merged text) by <c>service@host</c>.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Configs { get; init; }

    /// <summary>Config contents on the targets before the run, by <c>service@host</c> (restored by a rollback).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> LiveBefore { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Upgraded services rendered from the previous package, by <c>service@host</c> (what a rollback re-applies).</summary>
    public IReadOnlyDictionary<string, RenderedService> PreviousRendered { get; init; } = new Dictionary<string, RenderedService>();

    public IProgress<LifecycleProgress>? Progress { get; init; }

    /// <summary>Times the run's phases (the steps time theirs: apply, test, record).</summary>
    public required LifecyclePhaseClock Clock { get; init; }

    /// <summary>The text of the package's <c>product.yaml</c> (recorded with the release so a rollback needs no package); <c>null</c> when unknown.</summary>
    public string? ProductFile { get; init; }

    /// <summary>The payloads (<c>service/digest</c>) of the earlier releases whose payloads stay kept.</summary>
    public IReadOnlyCollection<string> KeptPayloads { get; init; } = [];

    public ConcurrentDictionary<string, bool> Done { get; } = new(StringComparer.Ordinal);

    /// <summary>Bytes the backend sent to place each service (this run's steps; what a resumed run's earlier part sent is not known).</summary>
    public ConcurrentDictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal);

    /// <summary>The progress the steps give the backend: counts <see cref="LifecycleEventKind.Transferred"/> into
    /// <see cref="Bytes"/> (synchronously, as the backend reports it) and passes every event on.</summary>
    public IProgress<LifecycleProgress> Meter => _meter ??= new MeterProgress(this);

    private MeterProgress? _meter;

    private sealed class MeterProgress(LifecycleRun run) : IProgress<LifecycleProgress>
    {
        public void Report(LifecycleProgress value)
        {
            if (value is { Kind: LifecycleEventKind.Transferred, Bytes: { } bytes, Service: { } service })
            {
                run.Bytes.AddOrUpdate(service, bytes, (_, b) => b + bytes);
            }

            run.Progress?.Report(value);
        }
    }

    public List<HookResult> Tests { get; } = [];

    /// <summary>What the steps left behind, by <c>service@host</c> (the journal's, then this run's).</summary>
    public ConcurrentDictionary<string, LeftOver> LeftOver { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<LeftOver> LeftOvers => LeftOver.Values.OrderBy(l => l.Service, StringComparer.Ordinal).ThenBy(l => l.Host, StringComparer.Ordinal).ToList();

    private readonly SemaphoreSlim _checkpoint = new(1, 1);

    /// <summary>Records <see cref="Done"/> and <see cref="LeftOver"/> in the journal on the target now (inside a wave,
    /// after each step): a run killed later in the wave does not run the completed steps' hooks again.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await _checkpoint.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var journal = await Backend.Journal.ReadAsync<LifecycleJournal>(LifecycleEngine.JournalKind, cancellationToken).ConfigureAwait(false);
            if (journal is not null)
            {
                await Backend.Journal.WriteAsync(journal with { Payload = Payload() }, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _checkpoint.Release();
        }
    }

    public LifecycleJournal Payload() => Journal with { Done = Done.Keys.Order(StringComparer.Ordinal).ToList(), LeftOver = LeftOvers };

    public void Report(LifecycleEventKind kind, LifecycleStep step, string message) =>
        Progress?.Report(new LifecycleProgress(kind, $"[{step.Key}] {message}") { Service = step.Service, Host = step.Host });

    /// <summary>The release after the plan is applied: the previous services with the touched ones replaced.</summary>
    public ReleaseRecord Release(ReleaseOutcome outcome, DateTimeOffset finished, string? message)
    {
        var plan = Journal.Plan;
        var services = (Previous?.Services ?? []).ToDictionary(s => s.Name, StringComparer.Ordinal);
        if (outcome == ReleaseOutcome.Succeeded)
        {
            foreach (var g in plan.Changes.Where(s => s.Action is not (LifecycleAction.Verify or LifecycleAction.Restart)).GroupBy(s => s.Service))
            {
                services.TryGetValue(g.Key, out var old);
                var hosts = (old?.Hosts ?? []).ToHashSet(StringComparer.Ordinal);
                var configs = (old?.Configs ?? []).ToList();
                foreach (var s in g)
                {
                    if (s.Action == LifecycleAction.Remove && LeftOver.TryGetValue(s.Key, out var left) && left.StillInstalled)
                    {
                        continue;
                    }

                    configs.RemoveAll(c => c.Host == s.Host);
                    if (s.Action == LifecycleAction.Remove)
                    {
                        hosts.Remove(s.Host);
                    }
                    else
                    {
                        hosts.Add(s.Host);
                        configs.AddRange(Rendered[s.Key].Configs.Select(c => new ReleaseConfig(s.Host, c.Target, c.Content.Text)));
                    }
                }

                var first = g.First();
                if (hosts.Count == 0)
                {
                    services.Remove(g.Key);
                }
                else
                {
                    services[g.Key] = new ServiceRelease(g.Key, first.Action == LifecycleAction.Remove ? old!.Version : first.Version, first.Action == LifecycleAction.Remove ? old!.Digest : first.Digest, hosts.Order(StringComparer.Ordinal).ToList())
                    {
                        Configs = configs.OrderBy(c => c.Host, StringComparer.Ordinal).ThenBy(c => c.Path, StringComparer.Ordinal).ToList(),
                    };
                }
            }
        }

        return new ReleaseRecord(Journal.Number, plan.Product, outcome == ReleaseOutcome.Succeeded ? plan.Version : Previous?.Version ?? plan.Version, plan.Operation)
        {
            User = Journal.User,
            Machine = Journal.Machine,
            Started = Journal.Started,
            Finished = finished,
            Outcome = outcome,
            Message = message,
            Touched = plan.Changes.Select(s => $"{s.Action.ToString().ToLowerInvariant()} {s.Key}").ToList(),
            LeftOver = LeftOvers,
            Payload = outcome != ReleaseOutcome.Succeeded ? Previous?.Payload
                : ProductFile is null ? null
                : new ReleasePayload(ProductFile, new SortedDictionary<string, string>(Product.Services.ToDictionary(s => s.Name, s => s.Digest, StringComparer.Ordinal), StringComparer.Ordinal)),
            Services = services.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList(),
        };
    }
}
