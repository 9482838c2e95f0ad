namespace Deploy.Packaging.Tests.Model;

/// <summary>
/// os-release texts of the distributions our users run, written by us in the shapes their public documentation and
/// release notes show (field sets, quoting, VERSION vs VERSION_ID), plus the shell-syntax cases the spec allows.
/// </summary>
internal static class OsReleaseSamples
{
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kylin-v10-server"] = "NAME=\"Kylin Linux Advanced Server\"\nVERSION=\"V10 (Lance)\"\nID=\"kylin\"\nVERSION_ID=\"V10\"\nPRETTY_NAME=\"Kylin Linux Advanced Server V10 (Lance)\"\nANSI_COLOR=\"0;31\"\n",
        ["kylin-v10-sp3-server"] = "NAME=\"Kylin Linux Advanced Server\"\nVERSION=\"V10 (Halberd)\"\nID=\"kylin\"\nVERSION_ID=\"V10\"\nPRETTY_NAME=\"Kylin Linux Advanced Server V10 (Halberd)\"\nANSI_COLOR=\"0;31\"\n\n",
        ["kylin-v10-desktop"] = "NAME=\"Kylin\"\nVERSION=\"银河麒麟桌面操作系统V10 (SP1)\"\nVERSION_US=\"Kylin Linux Desktop V10 (SP1)\"\nID=kylin\nID_LIKE=debian\nPRETTY_NAME=\"Kylin V10 SP1\"\nVERSION_ID=\"v10\"\nHOME_URL=\"http://www.kylinos.cn/\"\nVERSION_CODENAME=kylin\nUBUNTU_CODENAME=kylin\n",
        ["uos-20-server"] = "PRETTY_NAME=\"UnionTech OS Server 20\"\nNAME=\"UnionTech OS Server 20\"\nVERSION_ID=\"20\"\nVERSION=\"20\"\nID=uos\nHOME_URL=\"https://www.chinauos.com/\"\nBUG_REPORT_URL=\"https://bbs.chinauos.com/\"\n",
        ["uos-20-desktop"] = "PRETTY_NAME=\"UnionTech OS Desktop 20 Pro\"\nNAME=\"uos\"\nVERSION_ID=\"20\"\nVERSION=\"20\"\nID=uos\nID_LIKE=debian\nHOME_URL=\"https://www.chinauos.com/\"\n",
        ["openeuler-20.03-sp3"] = "NAME=\"openEuler\"\nVERSION=\"20.03 (LTS-SP3)\"\nID=\"openEuler\"\nVERSION_ID=\"20.03\"\nPRETTY_NAME=\"openEuler 20.03 (LTS-SP3)\"\nANSI_COLOR=\"0;31\"\n",
        ["openeuler-22.03-sp1"] = "NAME=\"openEuler\"\nVERSION=\"22.03 (LTS-SP1)\"\nID=\"openEuler\"\nVERSION_ID=\"22.03\"\nPRETTY_NAME=\"openEuler 22.03 (LTS-SP1)\"\nANSI_COLOR=\"0;31\"\n",
        ["bclinux-8.8"] = "NAME=\"BigCloud Enterprise Linux\"\nVERSION=\"8.8 (Core)\"\nID=\"bclinux\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"8.8\"\nPLATFORM_ID=\"platform:el8\"\nPRETTY_NAME=\"BigCloud Enterprise Linux 8.8 (Core)\"\nANSI_COLOR=\"0;31\"\n",
        ["bclinux-21.10"] = "NAME=\"BigCloud Enterprise Linux For Euler\"\nVERSION=\"21.10 (LTS-SP2)\"\nID=\"bclinux\"\nVERSION_ID=\"21.10\"\nPRETTY_NAME=\"BigCloud Enterprise Linux For Euler 21.10 (LTS-SP2)\"\nANSI_COLOR=\"0;31\"\n",
        ["anolis-8.8"] = "NAME=\"Anolis OS\"\nVERSION=\"8.8\"\nID=\"anolis\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"8.8\"\nPLATFORM_ID=\"platform:an8\"\nPRETTY_NAME=\"Anolis OS 8.8\"\nANSI_COLOR=\"0;31\"\n",
        ["anolis-7.9"] = "NAME=\"Anolis OS\"\nVERSION=\"7.9\"\nID=\"anolis\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"7.9\"\nPRETTY_NAME=\"Anolis OS 7.9\"\n",
        ["alinux-3"] = "NAME=\"Alibaba Cloud Linux\"\nVERSION=\"3 (Soaring Falcon)\"\nID=\"alinux\"\nID_LIKE=\"rhel fedora centos anolis\"\nVERSION_ID=\"3\"\nPLATFORM_ID=\"platform:al8\"\nPRETTY_NAME=\"Alibaba Cloud Linux 3 (Soaring Falcon)\"\n",
        ["alinux-2"] = "NAME=\"Alibaba Cloud Linux (Aliyun Linux)\"\nVERSION=\"2.1903 LTS (Hunting Beagle)\"\nID=\"alinux\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"2.1903\"\nPRETTY_NAME=\"Alibaba Cloud Linux (Aliyun Linux) 2.1903 LTS (Hunting Beagle)\"\n",
        ["tencentos-3.1"] = "NAME=\"TencentOS Server\"\nVERSION=\"3.1 (Final)\"\nID=\"tencentos\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"3.1\"\nPLATFORM_ID=\"platform:el8\"\nPRETTY_NAME=\"TencentOS Server 3.1 (Final)\"\n",
        ["tencentos-2.4"] = "NAME=\"TencentOS Server\"\nVERSION=\"2.4\"\nID=\"tencentos\"\nID_LIKE=\"rhel fedora centos\"\nVERSION_ID=\"2.4\"\nPRETTY_NAME=\"TencentOS Server 2.4\"\n",
        ["centos-7"] = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\n",
        ["centos-stream-9"] = "NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"9\"\nPLATFORM_ID=\"platform:el9\"\nPRETTY_NAME=\"CentOS Stream 9\"\n",
        ["rocky-8.9"] = "NAME=\"Rocky Linux\"\nVERSION=\"8.9 (Green Obsidian)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.9\"\nPLATFORM_ID=\"platform:el8\"\nPRETTY_NAME=\"Rocky Linux 8.9 (Green Obsidian)\"\n",
        ["rocky-9.3"] = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n",
        ["almalinux-9.3"] = "NAME=\"AlmaLinux\"\nVERSION=\"9.3 (Shamrock Pampas Cat)\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"AlmaLinux 9.3 (Shamrock Pampas Cat)\"\n",
        ["rhel-8.6"] = "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.6 (Ootpa)\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"8.6\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 8.6 (Ootpa)\"\n",
        ["oracle-8.8"] = "NAME=\"Oracle Linux Server\"\nVERSION=\"8.8\"\nID=\"ol\"\nID_LIKE=\"fedora\"\nVARIANT=\"Server\"\nVERSION_ID=\"8.8\"\nPRETTY_NAME=\"Oracle Linux Server 8.8\"\n",
        ["debian-12"] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        ["debian-testing"] = "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=trixie\nID=debian\n",
        ["ubuntu-22.04.3"] = "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n",
        ["ubuntu-20.04"] = "NAME=\"Ubuntu\"\nVERSION=\"20.04.6 LTS (Focal Fossa)\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\nVERSION_ID=\"20.04\"\n",
        ["opensuse-leap-15.5"] = "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"openSUSE Leap 15.5\"\n",
        ["deepin-20.9"] = "PRETTY_NAME=\"Deepin 20.9\"\nNAME=\"Deepin\"\nVERSION_ID=\"20.9\"\nVERSION=\"20.9\"\nVERSION_CODENAME=apricot\nID=Deepin\nHOME_URL=\"https://www.deepin.org/\"\n",
        ["centos-7-crlf"] = "NAME=\"CentOS Linux\"\r\nVERSION=\"7 (Core)\"\r\nID=\"centos\"\r\nID_LIKE=\"rhel fedora\"\r\nVERSION_ID=\"7\"\r\n",
        ["shell-syntax-export-and-comments"] = "# written by a provisioning script\nexport NAME=\"CentOS Linux\"\nexport ID=centos # the id\nID_LIKE='rhel fedora' # family\nVERSION_ID=\"7\" # major only\nPRETTY_NAME=\"CentOS \"'Linux'\" 7\"\n",
        ["empty-version-id"] = "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"\"\n",
        ["no-id"] = "NAME=\"Some Linux\"\nVERSION_ID=1\n",
    };

    public static IReadOnlyList<string> Filters { get; } =
    [
        "kylin>=V10", "kylin>=v10", "kylin>=10", "kylin>V9", "kylin=V10", "kylin<V11", "kylin>V10",
        "uos>=20", "uos=20", "uos<20",
        "openeuler>=22.03", "openEuler=20.03", "openeuler>=20.03,bclinux",
        "bclinux>=21", "bclinux<21", "bclinux=8",
        "centos", "centos>=7", "centos>=7.6", "centos<8", "centos=7", "centos>7",
        "like:rhel>=8", "like:centos>=7", "like:rhel<8", "like:debian", "like:anolis",
        "anolis>=8", "alinux>=3", "alinux>=2.1903", "tencentos>=3", "rocky>=8.5", "almalinux=9", "rhel>=8", "ol>=8",
        "ubuntu>=22.04", "ubuntu>=22.04.2", "ubuntu=22", "ubuntu<22.04", "debian>=11", "debian<12", "deepin>=20.9",
        "opensuse-leap>=15", "linux",
    ];
}
