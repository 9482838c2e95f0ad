namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// Values for templates: string-keyed maps whose values are <see cref="string"/>, <see cref="long"/>,
/// <see cref="double"/>, <see cref="bool"/>, <c>null</c>, nested maps (<see cref="IReadOnlyDictionary{TKey, TValue}"/>)
/// or lists (<see cref="IReadOnlyList{T}"/>), as read from YAML.
/// </summary>
public static class ValueTree
{
    /// <summary>An empty map.</summary>
    public static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>
    /// Merges maps from the lowest layer to the highest: a later layer's value wins; two maps under one key merge
    /// key by key; lists and scalars are replaced whole.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Merge(params IReadOnlyDictionary<string, object?>?[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (layer is null)
            {
                continue;
            }

            foreach (var (key, value) in layer)
            {
                result[key] = result.TryGetValue(key, out var existing)
                    && existing is IReadOnlyDictionary<string, object?> low
                    && value is IReadOnlyDictionary<string, object?> high
                    ? Merge(low, high)
                    : value;
            }
        }

        return result;
    }
}
