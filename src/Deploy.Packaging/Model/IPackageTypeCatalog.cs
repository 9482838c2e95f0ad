namespace Deploy.Packaging.Model;

/// <summary>
/// The package types a tool accepts in version.json's <c>package_type</c>. The installing side's
/// <c>PackageTypeRegistry</c> (types with their installer strategies) is one; the model needs only the names, so it
/// does not depend on how packages are installed.
/// </summary>
public interface IPackageTypeCatalog
{
    /// <summary>The known types.</summary>
    IReadOnlyList<PackageType> Types { get; }

    /// <summary>Whether <paramref name="type"/> is known.</summary>
    bool Contains(PackageType type);
}

/// <summary>The five rdb package types (<see cref="PackageType.InstallRdbServer"/> ...), the default catalog.</summary>
internal sealed class BuiltInPackageTypes : IPackageTypeCatalog
{
    /// <summary>The one instance.</summary>
    public static BuiltInPackageTypes Instance { get; } = new();

    /// <inheritdoc />
    public IReadOnlyList<PackageType> Types { get; } =
        [PackageType.InstallRdbServer, PackageType.InstallRdbWorker, PackageType.InstallRdbAgent, PackageType.InstallUpdateCode, PackageType.InstallUpdateAgent];

    /// <inheritdoc />
    public bool Contains(PackageType type) => Types.Contains(type);
}
