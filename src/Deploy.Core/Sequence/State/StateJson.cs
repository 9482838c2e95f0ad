using System.Text.Json;
using System.Text.Json.Serialization;

namespace Deploy.Core.Sequence.State;

/// <summary>The JSON settings used for state, journal and plans (enums as names, camelCase).</summary>
internal static class StateJson
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
        o.Converters.Add(new OctalModeConverter());
        o.Converters.Add(new JsonStringEnumConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>Permission bits as octal text (<c>"644"</c>): compact and readable in state files.</summary>
    private sealed class OctalModeConverter : JsonConverter<UnixFileMode>
    {
        public override UnixFileMode Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString() ?? throw new JsonException("A file mode is null.");
            try
            {
                return (UnixFileMode)Convert.ToInt32(text, 8);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new JsonException($"'{text}' is not an octal file mode.", e);
            }
        }

        public override void Write(Utf8JsonWriter writer, UnixFileMode value, JsonSerializerOptions options)
            => writer.WriteStringValue(Convert.ToString((int)value, 8));
    }
}
