using Deploy.Core.Hosts;
using Deploy.Docker.Engine;

namespace Deploy.Docker.Tests.Engine;

[Trait("Category", "Integration")]
public class ComposeTests
{
    [Fact]
    public async Task Compose_up_ps_restart_and_down_address_one_project_and_a_set_of_services()
    {
        using var images = new DockerImages();
        var image = $"encoo/compose-probe:1-{images.Id}";
        var id = images.Import(image);
        var dir = images.Temp.Combine("proj 项目");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "docker-compose.yml"), "version: '2.4'\nservices:\n  a:\n    image: ${IMG}\n    network_mode: none\n  b:\n    image: ${IMG}\n    network_mode: none\n");
        var project = new ComposeInvocation(dir, ["docker-compose.yml"])
        {
            ProjectName = "dt" + images.Id + "compose",
            Environment = new Dictionary<string, string> { ["IMG"] = image },
        };
        images.TrackProject(dir, project.ProjectName!);
        var engine = new DockerEngine(new LocalHost());

        await engine.ComposeUpAsync(project, ["a"]);
        var onlyA = await engine.ComposePsAsync(project, []);
        onlyA.Should().ContainSingle().Which.Should().Match<ContainerState>(c => c.ComposeService == "a" && c.Running && c.ImageId == id && c.ComposeWorkingDirectory == dir);

        await engine.ComposeUpAsync(project, []);
        (await engine.ComposePsAsync(project, [])).Select(c => c.ComposeService).Should().BeEquivalentTo("a", "b");
        var startedBefore = (await engine.ComposePsAsync(project, ["b"])).Single().StartedAt;

        await engine.ComposeRestartAsync(project, ["b"]);
        var b = (await engine.ComposePsAsync(project, ["b"])).Single();
        b.Running.Should().BeTrue();
        b.StartedAt.Should().NotBe(startedBefore, "restart restarts the container");

        await engine.ComposeDownAsync(project);
        (await engine.ComposePsAsync(project, [])).Should().BeEmpty();
    }
}
