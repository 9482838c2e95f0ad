using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// Everything a run knows before its first side effect: the plan (with the services whose configs follow a move),
/// each touched service rendered for its host, the config files merged three ways, and the upgraded services
/// rendered from the previous package (what a rollback re-applies). Reads the targets (live configs), never writes.
/// </summary>
internal sealed class RunPreparation(ILifecycleBackend backend)
{
    /// <summary>Plans <paramref name="request"/> (or takes <paramref name="fixedPlan"/>, a journaled plan being resumed or
    /// rolled back) against <paramref name="history"/> and renders and merges what it touches.</summary>
    public async Task<Prepared> PrepareAsync(LifecycleInput input, LifecycleRequest request, ReleaseHistory history, CancellationToken cancellationToken, LifecyclePlan? fixedPlan = null, LifecyclePhaseClock? clock = null)
    {
        var started = clock?.Now() ?? 0;
        var current = fixedPlan is null ? history.Current : fixedPlan.BaseRelease is { } n ? history.Get(n) : null;
        var plan = fixedPlan ?? LifecyclePlanner.Plan(input.Product, input.Schedule, request, current, request.Operation == LifecycleOperation.Rollback ? ReleaseLookup.Revision(history, request.Revision) : null);
        if (fixedPlan is null)
        {
            plan = PlacementFollowers.Insert(plan, input.Product, await PlacementFollowers.FindAsync(input, plan, current, RenderAsync, cancellationToken).ConfigureAwait(false));
        }

        clock?.Record(LifecyclePhase.Plan, started);
        started = clock?.Now() ?? 0;
        var rendered = new Dictionary<string, RenderedService>(StringComparer.Ordinal);
        foreach (var s in plan.Changes.Where(s => input.Product.Services.Any(d => d.Name == s.Service)))
        {
            rendered[s.Key] = await RenderAsync(input, input.Product.GetService(s.Service), s.Host, cancellationToken).ConfigureAwait(false);
        }

        clock?.Record(LifecyclePhase.Render, started);
        started = clock?.Now() ?? 0;
        var merged = await ConfigMerger.MergeAsync(backend, plan, rendered, current, request.Conflicts, cancellationToken).ConfigureAwait(false);
        clock?.Record(LifecyclePhase.Merge, started);
        started = clock?.Now() ?? 0;
        var previous = new Dictionary<string, RenderedService>(StringComparer.Ordinal);
        foreach (var s in plan.Changes.Where(s => s.Action == LifecycleAction.Upgrade))
        {
            var was = current?.Services.FirstOrDefault(r => r.Name == s.Service);
            if (input.Previous?.Services.FirstOrDefault(d => d.Name == s.Service) is { } old && was is not null && old.Digest == was.Digest)
            {
                previous[s.Key] = await RenderAsync(input with { Product = input.Previous }, old, s.Host, cancellationToken).ConfigureAwait(false);
            }
        }

        clock?.Record(LifecyclePhase.Render, started);
        return new Prepared(plan with { Configs = merged.Changes }, rendered, merged.Contents, merged.Live, previous);
    }

    /// <summary>Renders <paramref name="service"/> for <paramref name="host"/> with the schedule's placement.</summary>
    public Task<RenderedService> RenderAsync(LifecycleInput input, ServiceDefinition service, string host, CancellationToken cancellationToken)
    {
        var placement = input.Schedule.Services.ToDictionary(s => s.Service, s => (IReadOnlyList<RenderHost>)s.Hosts.Select(backend.Describe).ToList(), StringComparer.Ordinal);
        var context = new RenderContext(input.Product, service, backend.Describe(host)) { SiteValues = input.SiteValues, Placement = placement };
        return ServiceRenderer.RenderAsync(context, backend.Secrets, cancellationToken);
    }
}

/// <summary>What <see cref="RunPreparation.PrepareAsync"/> found.</summary>
/// <param name="Plan">The plan, with its config changes.</param>
/// <param name="Rendered">Rendered services by <c>service@host</c>.</param>
/// <param name="Configs">Config contents to write by <c>service@host</c>.</param>
/// <param name="Live">Config contents on the targets before the run by <c>service@host</c>.</param>
/// <param name="PreviousRendered">Upgraded services rendered from the previous package by <c>service@host</c>.</param>
internal sealed record Prepared(LifecyclePlan Plan, IReadOnlyDictionary<string, RenderedService> Rendered, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Configs, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Live, IReadOnlyDictionary<string, RenderedService> PreviousRendered);
