using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests.Model;

public class OsReleaseFilterTests
{
    private static OsRelease Os(string id, string? version = null)
        => OsRelease.Parse($"NAME=\"X\"\nID=\"{id}\"\n" + (version is null ? "" : $"VERSION_ID=\"{version}\"\n"));

    [Theory]
    [InlineData("bclinux,centos", "centos", null, true)]
    [InlineData("bclinux,centos", "bclinux", "21.10", true)]
    [InlineData("bclinux,centos", "ubuntu", "22.04", false)]
    [InlineData(" BCLinux , CentOS ", "centos", null, true)]
    [InlineData("centos>=7", "centos", "7", true)]
    [InlineData("centos>=7", "centos", "8.5", true)]
    [InlineData("centos>=7", "centos", "6.10", false)]
    [InlineData("centos>=7", "centos", null, false)]
    [InlineData("centos<8", "centos", "7.9", true)]
    [InlineData("centos<8", "centos", "8", false)]
    [InlineData("ubuntu=22.04", "ubuntu", "22.04", true)]
    [InlineData("ubuntu==22.04", "ubuntu", "24.04", false)]
    [InlineData("centos=7", "centos", "7.9", true)]
    [InlineData("rhel>7.9", "rhel", "7.10", true)]
    [InlineData("centos>=7,bclinux", "bclinux", null, true)]
    public void Filter_matches_id_case_insensitively_with_optional_version_bounds(string filter, string id, string? version, bool expected)
    {
        OsReleaseFilter.Parse(filter).Matches(Os(id, version)).Should().Be(expected);
    }

    [Fact]
    public void Parsing_os_release_text_follows_the_spec_quoting_and_comments()
    {
        var os = OsRelease.Parse("# comment\nNAME='BigCloud Enterprise Linux'\nID=\"bclinux\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=21.10\n");
        OsReleaseFilter.Parse("bclinux>=21").Matches(os).Should().BeTrue();
        os.IdLike.Should().Equal("rhel", "fedora");
    }

    [Fact]
    public void A_mismatch_error_lists_the_supported_systems_and_the_hosts()
    {
        var act = () => OsReleaseFilter.Parse("bclinux,centos>=7").EnsureMatches(Os("ubuntu", "22.04"), "web1");

        act.Should().Throw<DeployException>().Where(e =>
            e.Code == DeployErrorCode.OsReleaseMismatch
            && e.Message.Contains("bclinux,centos>=7", StringComparison.Ordinal)
            && e.Message.Contains("'ubuntu' 22.04", StringComparison.Ordinal)
            && e.Host == "web1");
    }

    [Theory]
    [InlineData("")]
    [InlineData("centos,")]
    [InlineData("centos>=")]
    [InlineData(">=7")]
    [InlineData("cent/os")]
    public void Malformed_filters_are_rejected_naming_os_release(string text)
    {
        ((Action)(() => OsReleaseFilter.Parse(text))).Should().Throw<DeployException>().Where(e => e.Path == "os_release");
    }

    [Fact]
    public void Filter_text_round_trips()
    {
        OsReleaseFilter.Parse("bclinux, centos >= 7").ToString().Should().Be("bclinux,centos>=7");
    }
}
