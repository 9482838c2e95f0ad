using System.Text.Json.Serialization;

namespace Deploy.Docker.Archives;

/// <summary>One element of a legacy <c>manifest.json</c>.</summary>
internal sealed record LegacyManifestEntry(
    [property: JsonPropertyName("Config")] string? Config,
    [property: JsonPropertyName("RepoTags")] List<string>? RepoTags,
    [property: JsonPropertyName("Layers")] List<string>? Layers);

/// <summary>Source-generated JSON metadata for archive documents.</summary>
[JsonSerializable(typeof(List<LegacyManifestEntry>))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;
