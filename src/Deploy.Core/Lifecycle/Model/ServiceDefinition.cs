using Deploy.Core.Sequence.Model;
using Semver;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// One service of a product: a folder of the package holding <c>service.yaml</c>. The folder name is the service's
/// name (what <c>--services</c> takes). Its files and services on hosts are a sequence-engine <see cref="Component"/>.
/// </summary>
/// <param name="Name">The folder name.</param>
/// <param name="Kind">App, middleware or add-on.</param>
/// <param name="Version">The service's own version.</param>
public sealed record ServiceDefinition(string Name, ProductServiceKind Kind, SemVersion Version)
{
    /// <summary>The absolute path of the service folder.</summary>
    public string Directory { get; init; } = "";

    /// <summary>Services that must be installed (and started) before this one.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Where the service may run and on how many hosts.</summary>
    public ServicePlacement Placement { get; init; } = new();

    /// <summary>The service's default values (over the product's defaults, under the site values).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = ValueTree.Empty;

    /// <summary>Config files rendered from templates.</summary>
    public IReadOnlyList<ConfigTemplate> Configs { get; init; } = [];

    /// <summary>Lifecycle hooks by kind.</summary>
    public IReadOnlyDictionary<HookKind, ServiceHook> Hooks { get; init; } = new Dictionary<HookKind, ServiceHook>();

    /// <summary>What one instance needs on its host.</summary>
    public ResourceNeeds Needs { get; init; } = ResourceNeeds.None;

    /// <summary>The files and services on hosts (<c>component:</c>), named after the service; file sources are
    /// absolute local paths in the service folder; service commands are templates rendered with the service's values.</summary>
    public Component Component { get; init; } = new("unnamed");

    /// <summary>The <c>kubernetes:</c> section, or <c>null</c> when the service has none.</summary>
    public KubernetesSection? Kubernetes { get; init; }

    /// <summary>
    /// The SHA-256 (lower-case hex) over every file of the service folder (relative path, mode and bytes, in ordinal
    /// path order): equal digests mean identical service content, so an upgrade touches only services whose digest changed.
    /// </summary>
    public string Digest { get; init; } = "";

    /// <summary>Where <c>service.yaml</c> was read from.</summary>
    public string SourceFile { get; init; } = "";
}
