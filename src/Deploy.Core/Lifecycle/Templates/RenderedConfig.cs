using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// A rendered text. When it holds generated secrets, <see cref="Secrets"/> lists their values so callers can pass
/// them to <c>CommandSpec.Secrets</c> and <see cref="Redact"/> anything they print; <see cref="ToString"/> never
/// shows the content.
/// </summary>
/// <param name="Text">The rendered text.</param>
/// <param name="Secrets">The secret values it contains.</param>
public sealed record RenderedText(string Text, IReadOnlyList<string> Secrets)
{
    /// <summary>Whether the text contains a generated secret.</summary>
    public bool ContainsSecrets => Secrets.Count > 0;

    /// <summary>Replaces every secret value in <paramref name="text"/> with <c>***</c>.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Secrets.Where(s => s.Length > 0).Aggregate(text, (t, s) => t.Replace(s, "***", StringComparison.Ordinal));
    }

    /// <inheritdoc />
    public override string ToString() => $"RenderedText({Text.Length} chars{(ContainsSecrets ? ", contains secrets" : "")})";
}

/// <summary>A config file rendered for one host.</summary>
/// <param name="Template">The template it came from.</param>
/// <param name="Target">The rendered absolute target path.</param>
/// <param name="Content">The rendered content.</param>
public sealed record RenderedConfig(ConfigTemplate Template, string Target, RenderedText Content)
{
    /// <inheritdoc />
    public override string ToString() => $"RenderedConfig({Target}, {Content})";
}

/// <summary>
/// A service rendered for one host: the component with its commands, working directories and file targets rendered,
/// the rendered config files (the engine merges them with the live files and adds them as component files), and
/// the rendered hooks.
/// </summary>
/// <param name="Service">The service.</param>
/// <param name="Host">The host name.</param>
/// <param name="Component">The component to deploy.</param>
/// <param name="Configs">The rendered config files.</param>
/// <param name="Hooks">The rendered hooks.</param>
public sealed record RenderedService(ServiceDefinition Service, string Host, Component Component, IReadOnlyList<RenderedConfig> Configs, IReadOnlyDictionary<HookKind, ServiceHook> Hooks)
{
    /// <summary>The service's <c>kubernetes:</c> manifest templates, rendered with the same values as its configs (read by
    /// the Kubernetes backend). <value>Empty.</value></summary>
    public IReadOnlyList<RenderedManifest> Manifests { get; init; } = [];

    /// <summary>Every secret value used by the configs, commands and hooks (for <c>CommandSpec.Secrets</c> and redaction).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() => $"RenderedService({Service.Name} on {Host}, {Configs.Count} configs{(Secrets.Count > 0 ? ", contains secrets" : "")})";
}

/// <summary>A <c>kubernetes:</c> manifest template of a service, rendered (multi-document YAML).</summary>
/// <param name="Source">The template's path relative to the service folder.</param>
/// <param name="Content">The rendered YAML.</param>
public sealed record RenderedManifest(string Source, RenderedText Content)
{
    /// <inheritdoc />
    public override string ToString() => $"RenderedManifest({Source}, {Content})";
}
