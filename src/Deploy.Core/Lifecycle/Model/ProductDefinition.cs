using Semver;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// A product: <c>product.yaml</c> and one folder per service. Load one with <see cref="ProductLoader.LoadAsync"/>.
/// </summary>
/// <param name="Name">The product name (what <c>reset --confirm</c> asks for).</param>
/// <param name="Version">The product version.</param>
public sealed record ProductDefinition(string Name, SemVersion Version)
{
    /// <summary>The absolute path of the product directory.</summary>
    public string Directory { get; init; } = "";

    /// <summary>The product's default values (the lowest layer).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = ValueTree.Empty;

    /// <summary>Where the product is installed; <value>the default is <see cref="ProductTargetKind.Hosts"/></value>.</summary>
    public ProductTargetKind Target { get; init; } = ProductTargetKind.Hosts;

    /// <summary>The operating systems the product supports (<c>osRelease: centos,bclinux</c>, the version.json syntax);
    /// empty for any. Matched against the host's os-release <c>ID</c> by precheck.</summary>
    public IReadOnlyList<string> OsRelease { get; init; } = [];

    /// <summary>Every service, in folder-name order (ordinal).</summary>
    public IReadOnlyList<ServiceDefinition> Services { get; init; } = [];

    /// <summary>Where <c>product.yaml</c> was read from.</summary>
    public string SourceFile { get; init; } = "";

    /// <summary>The add-on services (<c>--third</c>).</summary>
    public IReadOnlyList<ServiceDefinition> AddOns => Services.Where(s => s.Kind == ProductServiceKind.Addon).ToList();

    /// <summary>The middleware services.</summary>
    public IReadOnlyList<ServiceDefinition> Middleware => Services.Where(s => s.Kind == ProductServiceKind.Middleware).ToList();

    /// <summary>The service named <paramref name="name"/>; throws <see cref="Errors.DeployErrorCode.UnknownService"/> when there is none.</summary>
    public ServiceDefinition GetService(string name) =>
        Services.FirstOrDefault(s => s.Name == name)
        ?? throw new Errors.DeployException(Errors.DeployErrorCode.UnknownService, $"The product '{Name}' has no service '{name}'; its services are: {string.Join(", ", Services.Select(s => s.Name))}.") { Path = name };
}
