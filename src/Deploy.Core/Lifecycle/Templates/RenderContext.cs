using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// Everything a service's templates see on one host. Values are layered, lowest first: the product's defaults, the
/// service's defaults, the site values (top level), the site values' <c>services.&lt;name&gt;</c> section; then the
/// facts, which no value overrides: <c>host</c>, <c>service</c>, <c>product</c>, <c>placement</c> (service name to the
/// hosts running it) and <c>peers</c> (the hosts running this service).
/// </summary>
/// <param name="Product">The product.</param>
/// <param name="Service">The service being rendered.</param>
/// <param name="Host">The host it is rendered for.</param>
public sealed record RenderContext(ProductDefinition Product, ServiceDefinition Service, RenderHost Host)
{
    /// <summary>The site values file's content (see <see cref="SiteValues"/>).</summary>
    public IReadOnlyDictionary<string, object?> SiteValues { get; init; } = ValueTree.Empty;

    /// <summary>Which hosts run which service (from the schedule), in schedule order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RenderHost>> Placement { get; init; } = new Dictionary<string, IReadOnlyList<RenderHost>>();

    /// <summary>The merged values, without the facts.</summary>
    public IReadOnlyDictionary<string, object?> Values =>
        ValueTree.Merge(Product.Values, Service.Values, WithoutServices(SiteValues), SiteValues.TryGetValue("services", out var s) && s is IReadOnlyDictionary<string, object?> all && all.TryGetValue(Service.Name, out var mine) ? mine as IReadOnlyDictionary<string, object?> : null);

    private static Dictionary<string, object?> WithoutServices(IReadOnlyDictionary<string, object?> values) =>
        values.Where(kv => kv.Key != "services").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}

/// <summary>A host as templates see it (<c>host.name</c>, <c>host.address</c>, <c>host.hostname</c>, <c>host.os.id</c>, <c>host.labels.zone</c>, <c>host.vars.x</c>).</summary>
/// <param name="Name">The inventory name.</param>
/// <param name="Address">The address it is reached at.</param>
public sealed record RenderHost(string Name, string Address)
{
    /// <summary>The host's own name (<c>hostname</c>), when known.</summary>
    public string? Hostname { get; init; }

    /// <summary>Its os-release, when known.</summary>
    public OsRelease? OsRelease { get; init; }

    /// <summary>Its inventory labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Its inventory variables.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();
}
