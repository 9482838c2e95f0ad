using Deploy.Core.Hosts;
using Deploy.Docker.Engine;

namespace Deploy.Docker.Tests.Engine;

[Trait("Category", "Integration")]
public class DockerEngineTests
{
    [Fact]
    public async Task Detect_finds_the_engine_and_the_installed_compose_flavour()
    {
        var engine = new DockerEngine(new LocalHost());
        var info = await engine.DetectAsync();
        info.ServerVersion.Should().NotBeNullOrEmpty();
        var hasV2 = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker", "compose version") { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await hasV2.WaitForExitAsync();
        info.Compose.Should().Be(hasV2.ExitCode == 0 ? ComposeFlavor.V2Plugin : ComposeFlavor.V1Standalone);
        info.ComposeVersion.Should().MatchRegex(@"^v?\d+\.\d+");
    }

    [Fact]
    public async Task Detect_without_docker_cli_says_docker_is_unavailable()
    {
        var act = () => new DockerEngine(new RenamingHost("docker", "docker-compose")).DetectAsync();
        var error = (await act.Should().ThrowAsync<Deploy.Core.Errors.DeployException>()).Which;
        error.Code.Should().Be(Deploy.Core.Errors.DeployErrorCode.DockerUnavailable);
        error.Message.Should().Contain("docker CLI is not installed");
    }

    [Fact]
    public async Task Detect_without_any_compose_flavour_names_both()
    {
        var act = () => new DockerEngine(new RenamingHost("docker compose", "docker-compose")).DetectAsync();
        var error = (await act.Should().ThrowAsync<Deploy.Core.Errors.DeployException>()).Which;
        error.Code.Should().Be(Deploy.Core.Errors.DeployErrorCode.DockerUnavailable);
        error.Message.Should().Contain("docker compose").And.Contain("docker-compose");
    }

    [Fact]
    public async Task Load_of_a_gzipped_archive_reports_references_and_progress()
    {
        using var images = new DockerImages();
        var reference = $"encoo/rpa-service:4.2.0-{images.Id}";
        var id = images.Import(reference);
        var archive = images.Save(reference, "rpa.tar.gz");
        var engine = new DockerEngine(new LocalHost());
        var reports = new List<LoadProgress>();

        var result = await engine.LoadAsync(archive, new SyncProgress<LoadProgress>(reports.Add));

        result.References.Should().Equal(reference);
        (await engine.GetImageIdAsync(reference)).Should().Be(id);
        reports.Should().NotBeEmpty();
        reports[^1].BytesSent.Should().Be(new FileInfo(archive).Length);
        (await engine.ListImagesAsync(reference)).Should().ContainSingle().Which.Id.Should().Be(id);
    }

    [Fact]
    public async Task Load_from_a_stream_pipes_it_into_docker_load_with_byte_progress()
    {
        using var images = new DockerImages();
        var reference = $"encoo/vicode-service:2.4.0-{images.Id}";
        var id = images.Import(reference);
        var archive = images.Save(reference, "vicode.tar.gz");
        var engine = new DockerEngine(new LocalHost());
        var reports = new List<LoadProgress>();
        await using var stream = File.OpenRead(archive);

        var result = await engine.LoadAsync(stream, "vicode.tar.gz", stream.Length, new SyncProgress<LoadProgress>(reports.Add));

        result.References.Should().Equal(reference);
        (await engine.GetImageIdAsync(reference)).Should().Be(id);
        reports.Select(r => r.BytesSent).Should().BeInAscendingOrder().And.HaveCountGreaterThan(1);
        reports[^1].BytesSent.Should().Be(stream.Length);
    }

    [Theory]
    [InlineData("xz", "xz -T1 -c")]
    [InlineData("bz2", "bzip2 -c")]
    [InlineData("zst", "zstd -q -c")]
    public async Task Load_of_an_xz_bzip2_or_zstd_archive_streams_it_decompressed_into_the_engine(string suffix, string compressor)
    {
        using var images = new DockerImages();
        var reference = $"encoo/ocr-service:3.1.0-{suffix}-{images.Id}";
        var id = images.Import(reference);
        var archive = images.Temp.Combine("ocr.tar." + suffix);
        DockerImages.Run("/bin/sh", "-c", "docker save \"$1\" | " + compressor + " > \"$2\"", "sh", reference, archive);
        DockerImages.Run("docker", "rmi", reference);
        var engine = new DockerEngine(new LocalHost());
        var reports = new List<LoadProgress>();

        var result = await engine.LoadAsync(archive, new SyncProgress<LoadProgress>(reports.Add));

        result.References.Should().Equal(reference);
        (await engine.GetImageIdAsync(reference)).Should().Be(id);
        reports.Should().NotBeEmpty();
        reports[^1].BytesSent.Should().Be(new FileInfo(archive).Length, "progress counts the compressed bytes read");
    }

    [Fact]
    public async Task Load_of_a_corrupt_archive_is_an_archive_error()
    {
        using var images = new DockerImages();
        var path = images.Temp.WriteFile("bad.tar", "not an image archive");
        var act = () => new DockerEngine(new LocalHost()).LoadAsync(path);
        (await act.Should().ThrowAsync<Deploy.Core.Errors.DeployException>()).Which.Code.Should().Be(Deploy.Core.Errors.DeployErrorCode.ImageArchiveInvalid);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
