using Deploy.Core.Errors;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// Which services an operation touches and in what order: <c>--services</c> and <c>--third</c> resolved against the
/// product, sorted by dependency (through the SDK's one <see cref="DependencyOrder"/>), and grouped into waves that
/// may run in parallel. Pure.
/// </summary>
public static class ServiceOrder
{
    /// <summary>Checks that every <c>dependsOn</c> names a service of the product and that there is no cycle.</summary>
    public static void Validate(ProductDefinition product)
    {
        ArgumentNullException.ThrowIfNull(product);
        var names = product.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var s in product.Services)
        {
            foreach (var d in s.DependsOn)
            {
                if (!names.Contains(d))
                {
                    throw new DeployException(DeployErrorCode.DependencyMissing, $"Service '{s.Name}' depends on '{d}', which is not a service of the product '{product.Name}' (services: {string.Join(", ", names.Order(StringComparer.Ordinal))}).") { Path = $"{s.SourceFile}#dependsOn" };
                }

                if (d == s.Name)
                {
                    throw Cycle([s.Name, s.Name]);
                }
            }
        }

        _ = DependencyOrder.Sort(product.Services, s => s.Name, s => s.DependsOn, Cycle);
    }

    /// <summary>
    /// Resolves a selection. <paramref name="services"/> (<c>--services</c>) names services to touch; <c>null</c> or
    /// empty means every app and middleware service. <paramref name="addOns"/> (<c>--third</c>) adds add-on services.
    /// With <paramref name="includeDependencies"/>, the services the selected ones depend on (transitively) are added.
    /// Unknown names are <see cref="DeployErrorCode.UnknownService"/>; a name in <paramref name="addOns"/> that is not an
    /// add-on is <see cref="DeployErrorCode.InvalidArgument"/>.
    /// </summary>
    public static ServiceSelection Select(ProductDefinition product, IReadOnlyList<string>? services = null, IReadOnlyList<string>? addOns = null, bool includeDependencies = false)
    {
        ArgumentNullException.ThrowIfNull(product);
        var byName = product.Services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        if (services is null || services.Count == 0)
        {
            chosen.UnionWith(product.Services.Where(s => s.Kind != ProductServiceKind.Addon).Select(s => s.Name));
        }
        else
        {
            foreach (var name in services)
            {
                chosen.Add(Known(name, "--services").Name);
            }
        }

        foreach (var name in addOns ?? [])
        {
            var s = Known(name, "--third");
            if (s.Kind != ProductServiceKind.Addon)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"'{name}' in --third is a {s.Kind.ToString().ToLowerInvariant()} service, not an add-on; add-ons of '{product.Name}': {string.Join(", ", product.AddOns.Select(a => a.Name))}.") { Path = name };
            }

            chosen.Add(name);
        }

        if (includeDependencies)
        {
            var queue = new Queue<string>(chosen);
            while (queue.TryDequeue(out var n))
            {
                foreach (var d in byName[n].DependsOn.Where(chosen.Add))
                {
                    queue.Enqueue(d);
                }
            }
        }

        var selected = product.Services.Where(s => chosen.Contains(s.Name)).ToList();
        var waves = DependencyOrder.Waves(selected, s => s.Name, s => s.DependsOn, Cycle);
        return new ServiceSelection(waves.SelectMany(w => w).ToList(), waves);

        ServiceDefinition Known(string name, string option) => byName.TryGetValue(name, out var s)
            ? s
            : throw new DeployException(DeployErrorCode.UnknownService, $"Unknown service '{name}' in {option}; the services of '{product.Name}' are: {string.Join(", ", byName.Keys.Order(StringComparer.Ordinal))}.") { Path = name };
    }

    private static DeployException Cycle(IReadOnlyList<string> path) =>
        new(DeployErrorCode.DependencyCycle, $"Services depend on each other in a cycle: {string.Join(" -> ", path)}. Remove one of these dependsOn entries.") { Path = path[0] };
}

/// <summary>The services an operation touches.</summary>
/// <param name="Services">In install order: every service after the selected services it depends on.</param>
/// <param name="Waves">The same services in waves: no service depends on another of its wave, so a wave may run in
/// parallel once the earlier waves are done. Dependencies outside the selection are assumed installed.</param>
public sealed record ServiceSelection(IReadOnlyList<ServiceDefinition> Services, IReadOnlyList<IReadOnlyList<ServiceDefinition>> Waves)
{
    /// <summary>The order for removal: dependents before what they depend on.</summary>
    public IReadOnlyList<ServiceDefinition> RemovalOrder => Services.Reverse().ToList();

    /// <summary>The waves for removal (last wave first).</summary>
    public IReadOnlyList<IReadOnlyList<ServiceDefinition>> RemovalWaves => Waves.Reverse().ToList();

    /// <summary>The selected names in install order.</summary>
    public IReadOnlyList<string> Names => Services.Select(s => s.Name).ToList();
}
