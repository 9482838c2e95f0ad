using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Hosts;

public class OsReleaseTests
{
    [Fact]
    public void Parses_quoting_escapes_comments_and_id_like()
    {
        var os = OsRelease.Parse("""
            # comment
            NAME="BigCloud Enterprise Linux"
            ID='bclinux'
            ID_LIKE="rhel fedora centos"
            VERSION_ID=8.2
            PRETTY_NAME="Say \"hi\" \$x"

            garbage line
            """);

        os.Id.Should().Be("bclinux");
        os.IdLike.Should().Equal("rhel", "fedora", "centos");
        os.VersionId.Should().Be("8.2");
        os.PrettyName.Should().Be("Say \"hi\" $x");
    }

    [Fact]
    public void Missing_id_defaults_to_linux_as_the_spec_says()
    {
        OsRelease.Parse("NAME=x").Id.Should().Be("linux");
    }

    [Fact]
    public void Id_is_lower_cased_and_crlf_is_tolerated()
    {
        OsRelease.Parse("ID=\"CentOS\"\r\nVERSION_ID=\"7\"\r\n").Id.Should().Be("centos");
    }

    [Fact]
    public void Export_lines_and_comments_after_quoted_values_read_as_the_shell_reads_them()
    {
        var os = OsRelease.Parse("export ID=centos # the id\nID_LIKE='rhel fedora' # family\nVERSION_ID=\"7\" # major only\nNAME=\"CentOS \"'Linux'\nexport\tVERSION=\"7 (Core)\"\n");

        os.Id.Should().Be("centos");
        os.IdLike.Should().Equal("rhel", "fedora");
        os.VersionId.Should().Be("7");
        os.Fields["NAME"].Should().Be("CentOS Linux");
        os.Fields["VERSION"].Should().Be("7 (Core)");
    }

    [Fact]
    public void An_unquoted_value_with_spaces_keeps_its_words_up_to_a_comment()
    {
        OsRelease.Parse("NAME=BigCloud Enterprise Linux # malformed, but readable\n").Fields["NAME"].Should().Be("BigCloud Enterprise Linux");
    }
}
