using Deploy.Core.Errors;

namespace Deploy.Core.Sequence;

/// <summary>Orders components so that dependencies come first, keeping the declared order otherwise.</summary>
public static class DependencyOrder
{
    /// <summary>Returns the components in start order; throws <see cref="DeployErrorCode.ModelInvalid"/> on a cycle.</summary>
    public static IReadOnlyList<Component> Sort(IReadOnlyList<Component> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var byName = components.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var result = new List<Component>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in components)
        {
            Visit(c, []);
        }

        return result;

        void Visit(Component c, List<string> path)
        {
            var s = state.GetValueOrDefault(c.Name);
            if (s == 2)
            {
                return;
            }

            if (s == 1)
            {
                throw new DeployException(DeployErrorCode.ModelInvalid, $"Components depend on each other in a cycle: {string.Join(" -> ", path.Append(c.Name))}.") { Path = $"components[{c.Name}].dependsOn" };
            }

            state[c.Name] = 1;
            path.Add(c.Name);
            foreach (var d in c.DependsOn)
            {
                if (byName.TryGetValue(d, out var dep))
                {
                    Visit(dep, path);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[c.Name] = 2;
            result.Add(c);
        }
    }
}
