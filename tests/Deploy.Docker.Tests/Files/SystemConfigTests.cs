using System.Text;
using Deploy.Core.Errors;
using Deploy.Docker.Files;

namespace Deploy.Docker.Tests.Files;

public class SystemConfigTests
{
    private const string Sample =
        "# console system config\r\n" +
        "\r\n" +
        "export DEPLOY_PATH=/console/consolev4pvt-4.1.150431\r\n" +
        "CONSOLE_WEB_VERSION=4.1.1   # front end\r\n" +
        "FOUNDATION_VERSION=\"4.1.0\"\r\n" +
        "  RPA_SERVICE_IMAGE='encoo/rpa-service:4.1.1'\r\n" +
        "not an assignment line\r\n" +
        "EMPTY=\r\n" +
        "LAST=1";

    [Fact]
    public void Set_changes_only_the_value_bytes()
    {
        var config = SystemConfig.Parse(Encoding.UTF8.GetBytes(Sample), ".systemconfig");
        var updated = config.Set("CONSOLE_WEB_VERSION", "4.1.76383").Set("FOUNDATION_VERSION", "4.2.0").Set("RPA_SERVICE_IMAGE", "encoo/rpa-service:4.2.0");

        Encoding.UTF8.GetString(updated.ToBytes()).Should().Be(Sample
            .Replace("CONSOLE_WEB_VERSION=4.1.1   #", "CONSOLE_WEB_VERSION=4.1.76383   #", StringComparison.Ordinal)
            .Replace("\"4.1.0\"", "\"4.2.0\"", StringComparison.Ordinal)
            .Replace("rpa-service:4.1.1", "rpa-service:4.2.0", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_reads_values_without_quotes_comments_or_export()
    {
        var config = SystemConfig.Parse(Sample);
        config.Get("DEPLOY_PATH").Should().Be("/console/consolev4pvt-4.1.150431");
        config.Get("CONSOLE_WEB_VERSION").Should().Be("4.1.1");
        config.Get("FOUNDATION_VERSION").Should().Be("4.1.0");
        config.Get("RPA_SERVICE_IMAGE").Should().Be("encoo/rpa-service:4.1.1");
        config.Get("EMPTY").Should().BeEmpty();
        config.Get("LAST").Should().Be("1");
        config.Find("FOUNDATION_VERSION")!.Line.Should().Be(5);
    }

    [Fact]
    public void Set_of_a_missing_key_appends_with_the_files_line_ending()
    {
        SystemConfig.Parse("A=1\r\nB=2").Set("C", "3").Text.Should().Be("A=1\r\nB=2\r\nC=3\r\n");
        SystemConfig.Parse("A=1\n").Set("C", "3").Text.Should().Be("A=1\nC=3\n");
    }

    [Fact]
    public void Bom_and_unchanged_bytes_round_trip()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("# 云扩\nA=1\n")).ToArray();
        var config = SystemConfig.Parse(bytes, "x");
        config.ToBytes().Should().Equal(bytes);
        config.Set("A", "2").ToBytes().Should().Equal(bytes[..^2].Concat("2\n"u8.ToArray()));
    }

    [Fact]
    public void Value_that_the_quoting_cannot_hold_is_refused()
    {
        var config = SystemConfig.Parse("A=\"x\"\nB=y\n");
        config.Invoking(c => c.Set("A", "a\"b")).Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument);
        config.Invoking(c => c.Set("B", "has space")).Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument);
    }

    [Fact]
    public void Unclosed_quote_is_a_typed_error_with_the_path()
    {
        var act = () => SystemConfig.Parse("A=\"x\n", "/console/.systemconfig");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid && e.Path == "/console/.systemconfig");
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        var act = () => SystemConfig.Parse(new byte[] { 0x41, 0x3D, 0xFF, 0x0A }, "x");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid);
    }
}
