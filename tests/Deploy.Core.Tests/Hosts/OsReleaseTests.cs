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
}
