using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deploy.Core.Sequence;

/// <summary>The JSON settings used for state, journal and plans (enums as names, camelCase).</summary>
public static class StateJson
{
    /// <summary>Compact options.</summary>
    public static JsonSerializerOptions Options { get; } = Create(false);

    /// <summary>Indented options (for printing).</summary>
    public static JsonSerializerOptions Indented { get; } = Create(true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = indented,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        o.Converters.Add(new JsonStringEnumConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
