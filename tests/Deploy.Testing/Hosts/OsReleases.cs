namespace Deploy.Testing.Hosts;

/// <summary>
/// <c>/etc/os-release</c> contents of the distributions our customers run, written in the shapes those systems
/// ship (quoted and unquoted values, <c>ID_LIKE</c> lists, Kylin's non-numeric <c>VERSION_ID</c>).
/// </summary>
public static class OsReleases
{
    /// <summary>CentOS Linux 7 (Core).</summary>
    public const string CentOs7 = """
        NAME="CentOS Linux"
        VERSION="7 (Core)"
        ID="centos"
        ID_LIKE="rhel fedora"
        VERSION_ID="7"
        PRETTY_NAME="CentOS Linux 7 (Core)"
        ANSI_COLOR="0;31"
        CPE_NAME="cpe:/o:centos:centos:7"
        HOME_URL="https://www.centos.org/"

        """;

    /// <summary>BigCloud Enterprise Linux 8.8 (China Mobile's RHEL/Anolis derivative).</summary>
    public const string BcLinux88 = """
        NAME="BigCloud Enterprise Linux"
        VERSION="8.8 (Core)"
        ID="bclinux"
        ID_LIKE="rhel fedora centos anolis"
        VERSION_ID="8.8"
        PLATFORM_ID="platform:an8"
        PRETTY_NAME="BigCloud Enterprise Linux 8.8 (Core)"
        ANSI_COLOR="0;31"

        """;

    /// <summary>Debian GNU/Linux 12 (bookworm).</summary>
    public const string Debian12 = """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12"
        VERSION="12 (bookworm)"
        VERSION_CODENAME=bookworm
        ID=debian
        HOME_URL="https://www.debian.org/"

        """;

    /// <summary>Kylin Linux Advanced Server V10 (Sword).</summary>
    public const string KylinV10 = """
        NAME="Kylin Linux Advanced Server"
        VERSION="V10 (Sword)"
        ID="kylin"
        VERSION_ID="V10"
        PRETTY_NAME="Kylin Linux Advanced Server V10 (Sword)"
        ANSI_COLOR="0;31"

        """;
}
