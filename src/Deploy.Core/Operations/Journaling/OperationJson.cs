using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deploy.Core.Operations.Journaling;

/// <summary>
/// The JSON settings of every operation record (journals and their payloads): camelCase, enums as camelCase names,
/// nulls omitted, compact. One format for all operations.
/// </summary>
internal static class OperationJson
{
    /// <summary>The options (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = false,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
