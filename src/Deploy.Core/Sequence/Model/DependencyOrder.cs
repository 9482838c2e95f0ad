using Deploy.Core.Errors;

namespace Deploy.Core.Sequence.Model;

/// <summary>
/// Orders named items (components, product services) so that dependencies come first, keeping the declared order
/// otherwise; and groups them into waves that can run in parallel. The one dependency-ordering mechanism of the SDK.
/// </summary>
internal static class DependencyOrder
{
    /// <summary>Returns the components in start order; throws <see cref="DeployErrorCode.ModelInvalid"/> on a cycle.</summary>
    public static IReadOnlyList<Component> Sort(IReadOnlyList<Component> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return Sort(components, c => c.Name, c => c.DependsOn, cycle => new DeployException(DeployErrorCode.ModelInvalid, $"Components depend on each other in a cycle: {string.Join(" -> ", cycle)}.") { Path = $"components[{cycle[^1]}].dependsOn" });
    }

    /// <summary>
    /// Returns <paramref name="items"/> so that every item comes after the items it depends on, keeping the declared
    /// order otherwise. Dependencies on names that are not among the items are ignored (validate them first).
    /// </summary>
    /// <param name="items">The items, in declared order; names must be unique.</param>
    /// <param name="name">An item's name.</param>
    /// <param name="dependsOn">The names an item depends on.</param>
    /// <param name="cycleError">Makes the exception for a cycle, given the names along it (the first repeated last).</param>
    public static IReadOnlyList<T> Sort<T>(IReadOnlyList<T> items, Func<T, string> name, Func<T, IReadOnlyList<string>> dependsOn, Func<IReadOnlyList<string>, Exception> cycleError)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dependsOn);
        ArgumentNullException.ThrowIfNull(cycleError);
        var byName = items.ToDictionary(name, StringComparer.Ordinal);
        var result = new List<T>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var item in items)
        {
            Visit(item);
        }

        return result;

        void Visit(T item)
        {
            var n = name(item);
            var s = state.GetValueOrDefault(n);
            if (s == 2)
            {
                return;
            }

            if (s == 1)
            {
                throw cycleError([.. path.SkipWhile(p => p != n), n]);
            }

            state[n] = 1;
            path.Add(n);
            foreach (var d in dependsOn(item))
            {
                if (byName.TryGetValue(d, out var dep))
                {
                    Visit(dep);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[n] = 2;
            result.Add(item);
        }
    }

    /// <summary>
    /// Groups <paramref name="items"/> into waves: wave 0 holds the items with no dependency among the items, wave
    /// N those whose deepest dependency is in wave N-1. Items of one wave do not depend on each other and may run in
    /// parallel; within a wave the declared order is kept. Dependencies on names that are not among the items are
    /// ignored.
    /// </summary>
    /// <param name="items">The items, in declared order; names must be unique.</param>
    /// <param name="name">An item's name.</param>
    /// <param name="dependsOn">The names an item depends on.</param>
    /// <param name="cycleError">Makes the exception for a cycle, given the names along it (the first repeated last).</param>
    public static IReadOnlyList<IReadOnlyList<T>> Waves<T>(IReadOnlyList<T> items, Func<T, string> name, Func<T, IReadOnlyList<string>> dependsOn, Func<IReadOnlyList<string>, Exception> cycleError)
    {
        var sorted = Sort(items, name, dependsOn, cycleError);
        var level = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in sorted)
        {
            level[name(item)] = dependsOn(item).Where(level.ContainsKey).Select(d => level[d] + 1).DefaultIfEmpty(0).Max();
        }

        var waves = new List<List<T>>();
        foreach (var item in items)
        {
            var l = level[name(item)];
            while (waves.Count <= l)
            {
                waves.Add([]);
            }

            waves[l].Add(item);
        }

        return waves;
    }
}
