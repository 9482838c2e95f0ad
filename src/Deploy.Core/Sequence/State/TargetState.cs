using System.Text.Json.Serialization;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// What the last completed apply deployed, recorded on the target (<c>state.json</c>): per component its file
/// manifest and full service definitions (needed to stop and remove "previously configured" services), and a
/// hash per target-configuration key (values are never stored).
/// </summary>
public sealed record TargetState
{
    /// <summary>
    /// The state format version: 2 writes file lists compact (grouped by directory, <c>[name, size, ticks]</c> per
    /// file); version 1's lists of objects are read too. <value>The default is 2.</value>
    /// </summary>
    public int Version { get; init; } = 2;

    /// <summary>The target's name.</summary>
    public required string Target { get; init; }

    /// <summary>SHA-256 (hex, first 16 chars) per configuration key.</summary>
    public IReadOnlyDictionary<string, string> ConfigurationHashes { get; init; } = new Dictionary<string, string>();

    /// <summary>Target-level files.</summary>
    [JsonConverter(typeof(RecordedFilesJson))]
    public IReadOnlyList<RecordedFile> Files { get; init; } = [];

    /// <summary>The components, in start order.</summary>
    public IReadOnlyList<ComponentState> Components { get; init; } = [];
}

/// <summary>One deployed component as recorded.</summary>
public sealed record ComponentState
{
    /// <summary>The component's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its restart event.</summary>
    public RestartEvent RestartEvent { get; init; }

    /// <summary>Its startup timeout in milliseconds.</summary>
    public long StartupTimeoutMs { get; init; }

    /// <summary>Its error handling.</summary>
    public ErrorHandling ErrorHandling { get; init; }

    /// <summary>Its dependencies.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Its services (full definitions).</summary>
    public IReadOnlyList<Service> Services { get; init; } = [];

    /// <summary>Its files, keyed by target path.</summary>
    [JsonConverter(typeof(RecordedFilesJson))]
    public IReadOnlyList<RecordedFile> Files { get; init; } = [];
}

/// <summary>A deployed file: its manifest entry (key = target path) and its change event.</summary>
/// <param name="Entry">Size, full-precision mtime, mode, optional SHA-256.</param>
/// <param name="ChangeEvent">What a change of it does.</param>
public sealed record RecordedFile(FileEntry Entry, ChangeEvent ChangeEvent);
