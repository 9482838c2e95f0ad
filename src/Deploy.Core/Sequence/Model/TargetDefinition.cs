namespace Deploy.Core.Sequence.Model;

/// <summary>
/// What should be on one target: its configuration (e.g. a log level), its own files, and its components. A
/// change of <see cref="Configuration"/> or <see cref="Files"/> restarts every component (except
/// <see cref="RestartEvent.Ignore"/> ones).
/// </summary>
/// <param name="Name">The target's name (used in the state directory and in service names).</param>
public sealed record TargetDefinition(string Name)
{
    /// <summary>Target configuration values. Only a hash per key is recorded on the target, never the values.</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    /// <summary>Files that belong to the target rather than to one component; a change restarts the target.</summary>
    public IReadOnlyList<ComponentFile> Files { get; init; } = [];

    /// <summary>The components.</summary>
    public IReadOnlyList<Component> Components { get; init; } = [];

    /// <summary>Where the state file, journal, lock, service scripts and runtime pid files live on the target;
    /// <value>the default is <c>/var/lib/deploy-sequence/{Name}</c></value>.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>How files are compared; <value>the default is <see cref="Sync.CompareMode.Quick"/></value>.</summary>
    public Sync.CompareMode CompareMode { get; init; } = Sync.CompareMode.Quick;

    /// <summary>The effective state directory.</summary>
    public string EffectiveStateDirectory => StateDirectory ?? "/var/lib/deploy-sequence/" + Name;
}
