using Deploy.Core.Errors;
using Deploy.Docker.Files;

namespace Deploy.Docker.Tests.Files;

public class ComposeFileTests
{
    [Fact]
    public void Invalid_yaml_is_reported_with_the_file_path()
    {
        var act = () => ComposeFile.Parse("services:\n  web:\n    image: [unclosed\n", "/d/docker-compose.yml");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid && e.Path == "/d/docker-compose.yml");
    }

    [Fact]
    public void Block_scalar_image_is_refused_rather_than_guessed()
    {
        var act = () => ComposeFile.Parse("services:\n  web:\n    image: >-\n      encoo/x:1\n", "c.yml");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid);
    }

    [Fact]
    public void Image_with_escapes_is_refused_rather_than_guessed()
    {
        var act = () => ComposeFile.Parse("services:\n  web:\n    image: \"encoo/x:\\x31\"\n", "c.yml");
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid);
    }

    [Fact]
    public void Crlf_file_reports_positions_that_splice_exactly()
    {
        var text = "services:\r\n  web:\r\n    image: 'encoo/x:1'\r\n";
        var file = ComposeFile.Parse(text);
        var site = file.SiteOf("web")!;
        site.Quote.Should().Be('\'');
        site.Line.Should().Be(3);
        file.WithImage(site, "encoo/x:2").Text.Should().Be("services:\r\n  web:\r\n    image: 'encoo/x:2'\r\n");
    }

    [Fact]
    public void Services_without_image_have_no_site()
    {
        var file = ComposeFile.Parse("services:\n  a:\n    build: .\n  b:\n    image: x:1\n");
        file.Services.Should().Equal("a", "b");
        file.SiteOf("a").Should().BeNull();
        file.SiteOf("b")!.Value.Should().Be("x:1");
    }
}
