using System.Text.RegularExpressions;

namespace Deploy.Packaging.Model;

/// <summary>
/// The kind of an offline package (the <c>package_type</c> field of version.json), written as a snake_case string
/// such as <c>install_rdb_agent</c>. The five types of the rdb packager are predefined; a team registers its own
/// types (each with an installer strategy) in a <c>PackageTypeRegistry</c> (Installing).
/// </summary>
public readonly partial record struct PackageType
{
    /// <summary>Creates a package type; <paramref name="name"/> must be snake_case (<c>[a-z][a-z0-9_]*</c>).</summary>
    public PackageType(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"Package type '{name}' is not snake_case ([a-z][a-z0-9_]*, at most 64 characters).", nameof(name));
        }

        Name = name;
    }

    /// <summary>The snake_case wire name.</summary>
    public string Name { get; }

    /// <summary><c>install_rdb_server</c>: an rpm that installs the server.</summary>
    public static PackageType InstallRdbServer { get; } = new("install_rdb_server");

    /// <summary><c>install_rdb_worker</c>: an rpm that installs a worker.</summary>
    public static PackageType InstallRdbWorker { get; } = new("install_rdb_worker");

    /// <summary><c>install_rdb_agent</c>: a tools folder and kernel-module folders for the agent.</summary>
    public static PackageType InstallRdbAgent { get; } = new("install_rdb_agent");

    /// <summary><c>install_update_code</c>: Python wheels (pip into the virtualenv) and a tools folder.</summary>
    public static PackageType InstallUpdateCode { get; } = new("install_update_code");

    /// <summary><c>install_update_agent</c>: an agent patch (tools and kernel-module folders).</summary>
    public static PackageType InstallUpdateAgent { get; } = new("install_update_agent");

    /// <summary>Whether <paramref name="name"/> is a valid snake_case type name.</summary>
    public static bool IsValidName(string? name) => name is { Length: > 0 and <= 64 } && SnakeCase().IsMatch(name);

    /// <summary>The package type for a <see cref="PackageTypeEnum"/> value.</summary>
    public static PackageType From(PackageTypeEnum value) => value switch
    {
        PackageTypeEnum.InstallRdbServer => InstallRdbServer,
        PackageTypeEnum.InstallRdbWorker => InstallRdbWorker,
        PackageTypeEnum.InstallRdbAgent => InstallRdbAgent,
        PackageTypeEnum.InstallUpdateCode => InstallUpdateCode,
        PackageTypeEnum.InstallUpdateAgent => InstallUpdateAgent,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Not a predefined package type."),
    };

    /// <summary>Converts a predefined enum value.</summary>
    public static implicit operator PackageType(PackageTypeEnum value) => From(value);

    /// <inheritdoc />
    public override string ToString() => Name ?? "";

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SnakeCase();
}
