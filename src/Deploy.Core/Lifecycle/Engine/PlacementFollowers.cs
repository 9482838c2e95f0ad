using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// When an operation moves services (schedule apply, or an install with a new schedule), the configs of the other
/// installed services that name the moved services' hosts (<c>placement.redis[0].address</c>) must follow: each such
/// service is rendered with the placement before and after the move, and where a config differs it gets a
/// <see cref="LifecycleAction.Configure"/> step (the same three-way merge with edits on the target, then a restart).
/// Services whose configs do not depend on the placement are left alone (their text renders the same).
/// </summary>
internal static class PlacementFollowers
{
    public delegate Task<RenderedService> Render(LifecycleInput input, ServiceDefinition service, string host, CancellationToken cancellationToken);

    public static async Task<IReadOnlyList<LifecycleStep>> FindAsync(LifecycleInput input, LifecyclePlan plan, ReleaseRecord? current, Render render, CancellationToken cancellationToken)
    {
        if (current is null || plan.Operation is not (LifecycleOperation.Schedule or LifecycleOperation.Install))
        {
            return [];
        }

        var moved = current.Services
            .Where(s => input.Schedule.Services.FirstOrDefault(x => x.Service == s.Name) is { Hosts.Count: > 0 } next && !next.Hosts.ToHashSet(StringComparer.Ordinal).SetEquals(s.Hosts))
            .Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
        if (moved.Count == 0)
        {
            return [];
        }

        // The placement before: the moved services where the current release runs them, the others as scheduled (same order).
        var before = input with
        {
            Schedule = input.Schedule with
            {
                Services = input.Schedule.Services.Select(s => moved.Contains(s.Service, StringComparer.Ordinal) ? s with { Hosts = current.Services.First(r => r.Name == s.Service).Hosts } : s).ToList(),
            },
        };
        var touched = plan.Changes.Select(s => s.Service + "@" + s.Host).ToHashSet(StringComparer.Ordinal);
        var steps = new List<LifecycleStep>();
        foreach (var have in current.Services.Where(s => !moved.Contains(s.Name, StringComparer.Ordinal)).OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var def = input.Product.Services.FirstOrDefault(d => d.Name == have.Name);
            if (def is null || def.Digest != have.Digest || def.Configs.Count == 0)
            {
                continue;
            }

            foreach (var host in have.Hosts.Where(h => !touched.Contains(have.Name + "@" + h)))
            {
                var old = await render(before, def, host, cancellationToken).ConfigureAwait(false);
                var @new = await render(input, def, host, cancellationToken).ConfigureAwait(false);
                var changed = @new.Configs.Where(c => old.Configs.FirstOrDefault(o => o.Target == c.Target)?.Content.Text != c.Content.Text).Select(c => c.Target).ToList();
                if (changed.Count > 0)
                {
                    steps.Add(new LifecycleStep(have.Name, host, LifecycleAction.Configure, $"{string.Join(", ", changed)} follows the move of {string.Join(", ", moved)}: re-rendered (three-way merge with edits on the target), then restarted")
                    {
                        Version = have.Version,
                        Digest = have.Digest,
                    });
                }
            }
        }

        return steps;
    }

    /// <summary>Puts <paramref name="steps"/> into <paramref name="plan"/> in dependency waves, after the moved services
    /// are placed (and tested) on their new hosts and before they leave the old ones (pure).</summary>
    public static LifecyclePlan Insert(LifecyclePlan plan, ProductDefinition product, IReadOnlyList<LifecycleStep> steps)
    {
        if (steps.Count == 0)
        {
            return plan;
        }

        var order = ServiceOrder.Select(product, steps.Select(s => s.Service).Distinct().ToList()).Waves;
        var added = order.Select(w => steps.Where(s => w.Any(d => d.Name == s.Service)).ToList()).Where(w => w.Count > 0).ToList();
        var waves = plan.Waves.Select(w => w.Steps).ToList();
        var at = waves.FindIndex(w => w.Count > 0 && w.All(s => s.Action == LifecycleAction.Remove));
        waves.InsertRange(at < 0 ? waves.Count : at, added);
        return plan with { Waves = waves.Select((w, i) => new LifecycleWave(i + 1, w)).ToList() };
    }
}
