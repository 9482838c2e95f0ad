using Deploy.Core.Errors;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests.Model;

public class VersionInfoTests
{
    private const string Seed = """
        {
            "package_name": "update_code_5.7.1.0_centos.x86_64",
            "package_type": "install_update_code",
            "os_release": "bclinux,centos",
            "_os_release": "当前安装包的操作系统版本(os_release), 多个值中间用英文逗号分隔",
            "_package_type": "当前安装包的类型(package_type), 可选值为 constant.PackageTypeEnum中的值"
        }
        """;

    [Fact]
    public void Seed_version_json_parses_into_its_fields()
    {
        var v = VersionInfo.Parse(Seed);

        v.PackageName.Should().Be("update_code_5.7.1.0_centos.x86_64");
        v.PackageType.Should().Be(PackageType.InstallUpdateCode);
        v.OsRelease.Ids.Should().Equal("bclinux", "centos");
        v.Comments["_os_release"].Should().StartWith("当前安装包");
    }

    [Fact]
    public void Comment_keys_and_key_order_survive_a_round_trip()
    {
        var json = VersionInfo.Parse(Seed).ToJson();
        var again = VersionInfo.Parse(json);

        json.Should().Contain("\"_package_type\": \"当前安装包的类型");
        json.IndexOf("package_name", StringComparison.Ordinal).Should().BeLessThan(json.IndexOf("_os_release", StringComparison.Ordinal));
        again.KeyOrder.Should().Equal("package_name", "package_type", "os_release", "_os_release", "_package_type");
        again.ToJson().Should().Be(json);
        json.Should().Be(Seed.Replace("\r", "", StringComparison.Ordinal) + "\n");
    }

    [Fact]
    public void Comments_first_in_the_file_stay_first()
    {
        var v = VersionInfo.Parse("""{"_note": "x", "os_release": "centos", "package_type": "install_rdb_agent", "package_name": "a"}""");
        v.ToJson().Should().StartWith("{\n    \"_note\": \"x\",\n    \"os_release\": \"centos\"");
    }

    [Theory]
    [InlineData("""{"package_name": 5, "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a", "package_type": ["install_rdb_agent"], "os_release": "centos"}""", "package_type")]
    [InlineData("""{"package_name": "a", "package_type": "install_rdb_agent", "os_release": null}""", "os_release")]
    [InlineData("""{"package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a", "os_release": "centos"}""", "package_type")]
    [InlineData("""{"package_name": "a", "package_type": "install_rdb_agent"}""", "os_release")]
    [InlineData("""{"package_name": "a", "package_type": "install_rdb_cloud", "os_release": "centos"}""", "package_type")]
    [InlineData("""{"package_name": "a", "package_type": "InstallRdbAgent", "os_release": "centos"}""", "package_type")]
    [InlineData("""{"package_name": "", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a/b", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "..", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a..b", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a\u0007b", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a\nb", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    [InlineData("""{"package_name": "a", "package_type": "install_rdb_agent", "os_release": "centos,,bclinux"}""", "os_release")]
    [InlineData("""{"package_name": "a", "package_type": "install_rdb_agent", "os_release": "cent os"}""", "os_release")]
    [InlineData("""{"package_name": "a", "package_name": "b", "package_type": "install_rdb_agent", "os_release": "centos"}""", "package_name")]
    public void Bad_fields_are_rejected_naming_the_field(string json, string field)
    {
        var act = () => VersionInfo.Parse(json);

        act.Should().Throw<DeployException>()
            .Where(e => e.Code == DeployErrorCode.InvalidConfiguration && e.Path == field && e.Message.Contains(field, StringComparison.Ordinal));
    }

    [Fact]
    public void Not_an_object_is_rejected()
    {
        var act = () => VersionInfo.Parse("[1, 2]");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidConfiguration && e.Path == "version.json");
    }

    [Fact]
    public async Task A_file_over_one_mebibyte_is_rejected_before_it_is_read()
    {
        using var dir = new Deploy.Testing.TempDirectory();
        var path = dir.WriteFile("version.json", "{\"_pad\": \"" + new string('x', 1024 * 1024) + "\"}");

        var act = () => VersionInfo.LoadAsync(path);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.InputTooLarge && e.Path == "version.json");
    }

    [Fact]
    public void Package_types_are_written_as_snake_case_strings()
    {
        PackageType.From(PackageTypeEnum.InstallRdbServer).Name.Should().Be("install_rdb_server");
        PackageType.From(PackageTypeEnum.InstallRdbWorker).Name.Should().Be("install_rdb_worker");
        PackageType.From(PackageTypeEnum.InstallRdbAgent).Name.Should().Be("install_rdb_agent");
        PackageType.From(PackageTypeEnum.InstallUpdateCode).Name.Should().Be("install_update_code");
        PackageType.From(PackageTypeEnum.InstallUpdateAgent).Name.Should().Be("install_update_agent");
        var v = new VersionInfo("p", PackageTypeEnum.InstallRdbWorker, OsReleaseFilter.Parse("centos"));
        v.ToJson().Should().Contain("\"package_type\": \"install_rdb_worker\"");
    }

    [Fact]
    public void A_team_registers_its_own_type_and_version_json_accepts_it()
    {
        var mine = new PackageType("install_billing_tool");
        var registry = PackageTypeRegistry.Default.With(mine, "billing", StagedInstallStrategy.Tools("billing", checkProcesses: false), "billing tool");
        var json = """{"package_name": "b", "package_type": "install_billing_tool", "os_release": "centos"}""";

        VersionInfo.Parse(json, registry).PackageType.Should().Be(mine);
        ((Action)(() => VersionInfo.Parse(json))).Should().Throw<DeployException>().Where(e => e.Path == "package_type");
        PackageTypeRegistry.Default.Contains(mine).Should().BeFalse("registering returns a new registry and leaves the default alone");
    }

    [Fact]
    public void With_comment_adds_a_comment_that_is_written()
    {
        var v = new VersionInfo("p", PackageType.InstallRdbAgent, OsReleaseFilter.Parse("centos")).WithComment("_note", "中文说明");
        VersionInfo.Parse(v.ToJson()).Comments["_note"].Should().Be("中文说明");
    }
}
