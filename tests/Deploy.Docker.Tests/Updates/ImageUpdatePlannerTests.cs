using System.Text;
using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;
using Deploy.Docker.Updates;

namespace Deploy.Docker.Tests.Updates;

public class ImageUpdatePlannerTests
{
    private static readonly ImageTarget Web = new(ImageReference.Parse("encoo/console-web-v4-pvt:4.1.76383"), "sha256:" + new string('a', 64), "web.tar.gz");
    private static readonly ImageTarget Vicode = new(ImageReference.Parse("encoo/vicode-service:2.4.0"), "sha256:" + new string('b', 64), "vicode.tar");

    private static ComposeProject Project(string compose, string? systemConfig = null, string? env = null) => new(
        "/console",
        [ComposeFile.Parse(compose, "/console/docker-compose.service.yml")],
        systemConfig is null ? null : SystemConfig.Parse(systemConfig, "/console/.systemconfig"),
        env is null ? null : SystemConfig.Parse(env, "/console/.env"));

    private static string NewText(ImageUpdatePlan plan, string path) => Encoding.UTF8.GetString(plan.Files.Single(f => f.Path == path).NewBytes);

    [Fact]
    public void Tag_variable_without_definition_or_default_is_an_error_naming_it()
    {
        var act = () => ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:${WEB_TAG}\n", env: "WEB_TAG=4.1.1\n")], [Web]);
        act.Should().NotThrow("the variable is defined in .env");

        var undefined = () => ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:${WEB_TAG:-}\n")], [Web]);
        undefined.Should().NotThrow("an empty default is a default");

        var refused = () => ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:${WEB_TAG}\n")], [Web]);
        refused.Should().Throw<DeployException>("compose would run encoo/console-web-v4-pvt: with an empty tag").Where(e =>
            e.Code == DeployErrorCode.ComposeVariableUndefined && e.Service == "web" && e.Path == "/console/docker-compose.service.yml" && e.Message.Contains("${WEB_TAG}", StringComparison.Ordinal));
    }

    [Fact]
    public void Tag_built_from_several_variables_is_refused()
    {
        var act = () => ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:${MAJOR}.${MINOR}\n", "MAJOR=4\nMINOR=1\n")], [Web]);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.ComposeFileInvalid && e.Path == "/console/docker-compose.service.yml");
    }

    [Fact]
    public void Variable_defined_in_both_systemconfig_and_env_is_updated_in_both()
    {
        var plan = ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:$WEB_TAG\n", "# sc\nWEB_TAG=4.1.1\n", "WEB_TAG='4.1.1'\n")], [Web]);

        plan.Files.Select(f => f.Path).Should().BeEquivalentTo("/console/.systemconfig", "/console/.env");
        NewText(plan, "/console/.systemconfig").Should().Be("# sc\nWEB_TAG=4.1.76383\n");
        NewText(plan, "/console/.env").Should().Be("WEB_TAG='4.1.76383'\n");
        plan.Notes.Should().HaveCount(2);
    }

    [Fact]
    public void Systemconfig_records_are_updated_only_when_unambiguous()
    {
        var compose = "services:\n  web:\n    image: encoo/console-web-v4-pvt:4.1.1\n  vs:\n    image: encoo/vicode-service:4.1.1\n";
        var config = "CONSOLE_WEB_VERSION=4.1.1\nVICODE_SERVICE_IMAGE=encoo/vicode-service:4.1.1\nIMAGE_VERSION=4.1.1\nOTHER_VERSION=4.1.1\n";

        var plan = ImageUpdatePlanner.Plan("/console", [Project(compose, config)], [Web, Vicode]);

        NewText(plan, "/console/.systemconfig").Should().Be("CONSOLE_WEB_VERSION=4.1.76383\nVICODE_SERVICE_IMAGE=encoo/vicode-service:2.4.0\nIMAGE_VERSION=4.1.1\nOTHER_VERSION=4.1.1\n");
    }

    [Fact]
    public void Service_already_on_the_tag_is_restarted_but_no_file_changes()
    {
        var plan = ImageUpdatePlanner.Plan("/console", [Project("services:\n  web:\n    image: encoo/console-web-v4-pvt:4.1.76383\n")], [Web]);
        plan.Files.Should().BeEmpty();
        plan.Services.Should().ContainSingle().Which.NewImageId.Should().Be(Web.ImageId);
    }

    [Fact]
    public void Two_tags_of_one_repository_in_the_archives_are_refused()
    {
        var other = Web with { Reference = ImageReference.Parse("encoo/console-web-v4-pvt:4.1.9"), Archive = "other.tar" };
        var act = () => ImageUpdatePlanner.Plan("/console", [Project("services: {}\n")], [Web, other]);
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidArgument);
    }

    [Fact]
    public void Images_of_other_repositories_are_never_touched()
    {
        var plan = ImageUpdatePlanner.Plan("/console", [Project("services:\n  a:\n    image: encoo/console-web-v4-pvt-old:4.1.1\n  b:\n    image: myregistry/encoo/console-web-v4-pvt:4.1.1\n")], [Web]);
        plan.IsEmpty.Should().BeTrue();
    }

    [Theory]
    [InlineData("encoo/console-web-v4-pvt:4.1.76383", "encoo/console-web-v4-pvt", "4.1.76383", null)]
    [InlineData("registry.local:5000/encoo/x", "registry.local:5000/encoo/x", null, null)]
    [InlineData("encoo/x:1@sha256:abc", "encoo/x", "1", "sha256:abc")]
    [InlineData("docker.io/library/busybox:1.36", "docker.io/library/busybox", "1.36", null)]
    public void Image_references_parse_into_repository_tag_and_digest(string text, string repository, string? tag, string? digest)
    {
        var r = ImageReference.Parse(text);
        (r.Repository, r.Tag, r.Digest).Should().Be((repository, tag, digest));
        r.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("encoo/x:")]
    [InlineData("has space:1")]
    [InlineData("encoo/x@")]
    public void Malformed_references_are_rejected(string text)
        => ImageReference.TryParse(text, out _).Should().BeFalse();
}
