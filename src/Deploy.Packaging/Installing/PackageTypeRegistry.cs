using Deploy.Packaging.Model;

namespace Deploy.Packaging.Installing;

/// <summary>
/// The package types a tool knows, each with its installer strategy. Immutable: <see cref="With"/> returns a new
/// registry, so a team adds its own types without touching shared state:
/// <code>var registry = PackageTypeRegistry.Default.With(new PackageType("install_my_tool"), "my_tool", myStrategy, "My tool");</code>
/// </summary>
public sealed class PackageTypeRegistry : IPackageTypeCatalog
{
    private readonly Dictionary<string, PackageTypeDefinition> _types;

    private PackageTypeRegistry(Dictionary<string, PackageTypeDefinition> types) => _types = types;

    /// <summary>The five rdb package types with their default strategies.</summary>
    public static PackageTypeRegistry Default { get; } = new PackageTypeRegistry(new Dictionary<string, PackageTypeDefinition>(StringComparer.Ordinal))
        .With(PackageType.InstallRdbServer, "server", StagedInstallStrategy.Rpm("server"), "rdb server (rpm)")
        .With(PackageType.InstallRdbWorker, "worker", StagedInstallStrategy.Rpm("worker"), "rdb worker (rpm)")
        .With(PackageType.InstallRdbAgent, "agent", StagedInstallStrategy.Tools("agent", checkProcesses: true), "rdb agent (tools and kernel-module folders)")
        .With(PackageType.InstallUpdateCode, "code", StagedInstallStrategy.WheelsAndTools("code"), "code patch (wheels into the virtualenv, tools folder)")
        .With(PackageType.InstallUpdateAgent, "agent", StagedInstallStrategy.Tools("agent", checkProcesses: true), "agent patch (tools and kernel-module folders)");

    /// <summary>An empty registry, for tools that define all their types themselves.</summary>
    public static PackageTypeRegistry Empty { get; } = new(new Dictionary<string, PackageTypeDefinition>(StringComparer.Ordinal));

    /// <inheritdoc />
    public IReadOnlyList<PackageType> Types => _types.Values.Select(d => d.Type).ToArray();

    /// <inheritdoc />
    public bool Contains(PackageType type) => type.Name is not null && _types.ContainsKey(type.Name);

    /// <summary>The definition of <paramref name="type"/>, or <c>null</c>.</summary>
    public PackageTypeDefinition? Find(PackageType type) => type.Name is not null && _types.TryGetValue(type.Name, out var d) ? d : null;

    /// <summary>Returns a registry with <paramref name="type"/> added (or replaced).</summary>
    public PackageTypeRegistry With(PackageType type, string component, IPackageInstallStrategy strategy, string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(type.Name);
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentNullException.ThrowIfNull(strategy);
        if (component.Contains('/', StringComparison.Ordinal) || component.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException("A component is a single folder name.", nameof(component));
        }

        return new PackageTypeRegistry(new Dictionary<string, PackageTypeDefinition>(_types, StringComparer.Ordinal)
        {
            [type.Name] = new PackageTypeDefinition(type, component, strategy, description ?? ""),
        });
    }
}
