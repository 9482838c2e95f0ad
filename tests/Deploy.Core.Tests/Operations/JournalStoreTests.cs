using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Testing;

namespace Deploy.Core.Tests.Operations;

public sealed class JournalStoreTests : IDisposable
{
    private const string JournalPath = "/var/lib/app/control/journal.json";
    private readonly TempDirectory _dir = new("deploy-journal");
    private readonly LocalHost _host;

    public JournalStoreTests() => _host = LocalHost.Rooted(_dir.Path);

    public void Dispose() => _dir.Dispose();

    public sealed record Payload(string ReleaseName, string? PreviousRelease, IReadOnlyList<string> Files);

    [Fact]
    public async Task A_written_journal_is_versioned_camelCase_json_and_reads_back_equal()
    {
        var journal = Sample();

        await Store().WriteAsync(journal);

        var json = JsonDocument.Parse(File.ReadAllText(_host.MapPath(JournalPath))).RootElement;
        json.GetProperty("version").GetInt32().Should().Be(1);
        json.GetProperty("kind").GetString().Should().Be("package-install");
        json.GetProperty("steps")[1].GetProperty("state").GetString().Should().Be("pending");
        json.GetProperty("payload").GetProperty("releaseName").GetString().Should().Be("app-2");
        json.GetProperty("holder").GetProperty("processId").GetInt32().Should().Be(42);
        var back = await Store().ReadAsync<Payload>("package-install");
        back!.Payload.Files.Should().Equal(journal.Payload.Files);
        back.Steps.Should().Equal(journal.Steps);
        (back with { Payload = journal.Payload, Steps = journal.Steps }).Should().Be(journal);
    }

    [Fact]
    public async Task An_absent_journal_reads_as_null()
        => (await Store().ReadAsync<Payload>("package-install")).Should().BeNull();

    [Fact]
    public async Task A_journal_of_a_newer_format_version_is_refused_as_StateCorrupt_naming_host_path_and_version()
    {
        await Store().WriteAsync(Sample() with { Version = 2 });

        var act = () => Store().ReadAsync<Payload>("package-install");

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.StateCorrupt);
        e.Host.Should().Be(_host.Name);
        e.Path.Should().Be(JournalPath);
        e.Message.Should().Contain("version 2");
    }

    [Theory]
    [InlineData("{\"kind\":\"package-install\"}", "no version")]
    [InlineData("{\"version\":1,\"kind\":\"image-update\",\"id\":\"x\",\"started\":\"2026-01-01T00:00:00Z\",\"steps\":[],\"payload\":{}}", "'image-update'")]
    [InlineData("{\"version\":1,\"kind\":\"package-inst", "not valid")]
    [InlineData("[1,2]", "no version")]
    public async Task A_journal_that_is_not_valid_is_StateCorrupt(string text, string said)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_host.MapPath(JournalPath))!);
        File.WriteAllText(_host.MapPath(JournalPath), text);

        var act = () => Store().ReadAsync<Payload>("package-install");

        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.StateCorrupt && e.Message.Contains(said));
    }

    [Fact]
    public async Task A_write_replaces_the_journal_by_rename_and_leaves_no_temp_even_over_a_stale_partial_temp()
    {
        await Store().WriteAsync(Sample());
        var before = Inode(_host.MapPath(JournalPath));
        File.WriteAllText(_host.MapPath(JournalPath) + ".tmp", "{\"version\":1,\"kind\":\"pack"); // a write killed half-way
        using var reader = File.OpenRead(_host.MapPath(JournalPath)); // a reader of the old journal keeps its content

        await Store().WriteAsync(Sample() with { Id = "second" });

        Inode(_host.MapPath(JournalPath)).Should().NotBe(before, "the new journal is a new file renamed over the old one");
        new StreamReader(reader).ReadToEnd().Should().Contain("\"id\":\"first\"");
        (await Store().ReadAsync<Payload>("package-install"))!.Id.Should().Be("second");
        Directory.GetFiles(Path.GetDirectoryName(_host.MapPath(JournalPath))!).Should().ContainSingle();
    }

    [Fact]
    public async Task A_journal_larger_than_a_command_argument_is_written_and_read_the_same_way()
    {
        var big = Sample() with { Payload = new Payload("app-2", null, Enumerable.Range(0, 3000).Select(i => $"/opt/app/文件 {i}.txt").ToList()) };

        await Store().WriteAsync(big);

        (await Store().ReadAsync<Payload>("package-install"))!.Payload.Files.Should().Equal(big.Payload.Files);
    }

    [Fact]
    public async Task Delete_removes_the_journal_and_tolerates_its_absence()
    {
        await Store().WriteAsync(Sample());

        await Store().DeleteAsync();
        await Store().DeleteAsync();

        (await Store().ReadAsync<Payload>("package-install")).Should().BeNull();
    }

    private static long Inode(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        return long.Parse(p.StandardOutput.ReadToEnd().Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private JournalStore Store() => new(_host, JournalPath);

    private static OperationJournal<Payload> Sample() => new()
    {
        Kind = "package-install",
        Id = "first",
        Started = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero),
        Holder = new LockHolder("m", 42, "u", "package-install", DateTimeOffset.UnixEpoch, "first"),
        Steps = [new JournalStep("stage files", StepState.Completed), new JournalStep("switch current", StepState.Pending)],
        Payload = new Payload("app-2", "app-1", ["/opt/a", "/opt/b \"quoted\" $(x)\nnewline"]),
    };
}
