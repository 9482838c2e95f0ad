namespace Deploy.Packaging.Model;

/// <summary>
/// The rdb packager's <c>constant.PackageTypeEnum</c>. On the wire (version.json) each value is its snake_case
/// name, e.g. <c>install_rdb_server</c>; convert with <see cref="PackageType.From(PackageTypeEnum)"/>.
/// </summary>
public enum PackageTypeEnum
{
    /// <summary><c>install_rdb_server</c>.</summary>
    InstallRdbServer,

    /// <summary><c>install_rdb_worker</c>.</summary>
    InstallRdbWorker,

    /// <summary><c>install_rdb_agent</c>.</summary>
    InstallRdbAgent,

    /// <summary><c>install_update_code</c>.</summary>
    InstallUpdateCode,

    /// <summary><c>install_update_agent</c>.</summary>
    InstallUpdateAgent,
}
