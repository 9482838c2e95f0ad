using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deploy.Packaging.Agents;

/// <summary>The JSON settings of the feed documents (index, key announcements) and the agent's state file:
/// snake_case, nulls omitted, enums as snake_case names. One format for every agent file.</summary>
internal static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    public static T Parse<T>(ReadOnlySpan<byte> utf8, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(utf8, Options)
                ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.InvalidConfiguration, $"{what} is not valid JSON of the expected shape: {e.Message}", e) { Path = what };
        }
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
