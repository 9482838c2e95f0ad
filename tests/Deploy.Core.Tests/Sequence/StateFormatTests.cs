using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;
using FluentAssertions;
using Xunit;

namespace Deploy.Core.Tests.Sequence;

/// <summary>The state file's format: version 2's compact file lists, and version 1's (older SDKs) still read.</summary>
public sealed class StateFormatTests
{
    private static TargetState Sample(int files, Func<int, string> path, bool hashes = true) => new()
    {
        Target = "demo",
        ConfigurationHashes = new Dictionary<string, string> { ["port"] = "0123456789abcdef" },
        Files = [new RecordedFile(new FileEntry("/etc/demo.conf", 12, 638_700_000_001_234_567, (UnixFileMode)0x1A4), ChangeEvent.Ignore)],
        Components =
        [
            new ComponentState
            {
                Name = "app",
                RestartEvent = RestartEvent.Target,
                StartupTimeoutMs = 5000,
                Files = Enumerable.Range(0, files).Select(i => new RecordedFile(
                    new FileEntry(path(i), i * 31, 638_700_000_000_000_000 + (i * 1_234_567L), i % 50 == 0 ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4, hashes && i % 4 == 0 ? new string('a', 64) : null),
                    i % 60 == 0 ? ChangeEvent.Reinstall : ChangeEvent.Restart)).ToList(),
            },
        ],
    };

    [Fact]
    public async Task A_written_state_reads_back_every_file_exactly_in_order()
    {
        using var dir = new Deploy.Testing.TempDirectory("state-format");
        var host = LocalHost.Rooted(dir.Path);
        var state = Sample(300, i => $"/opt/app/d{i % 7}/s{i % 3}/f {i} 文件.bin");
        await new HostStateStore(host, "/var/lib/demo").WriteStateAsync(state);

        var read = (await new HostStateStore(host, "/var/lib/demo").ReadAsync()).State!;

        read.Version.Should().Be(2);
        read.Files.Should().Equal(state.Files);
        read.Components[0].Files.Should().Equal(state.Components[0].Files, "paths, sizes, 100 ns mtimes, modes, hashes and change events all survive, in order");
        (read.Components[0] with { Files = [] }).Should().BeEquivalentTo(state.Components[0] with { Files = [] });
    }

    [Fact]
    public async Task A_state_of_a_scanned_tree_takes_under_60_bytes_per_file()
    {
        using var dir = new Deploy.Testing.TempDirectory("state-format");
        var host = LocalHost.Rooted(dir.Path);
        await new HostStateStore(host, "/var/lib/demo").WriteStateAsync(Sample(10_000, i => $"/srv/releases/app-1.0/lib/d{i / 100:000}/f{i:00000}.bin", hashes: false));

        var bytes = new FileInfo(Path.Combine(dir.Path, "var/lib/demo/control/state.json")).Length;

        (bytes / 10_000.0).Should().BeLessThan(60, "format 1 took about 230 bytes a file");
    }

    [Fact]
    public async Task A_version_1_state_of_an_older_SDK_is_read_and_the_next_plan_transfers_only_what_changed()
    {
        using var dir = new Deploy.Testing.TempDirectory("state-format");
        var host = LocalHost.Rooted(dir.Path);
        var source = Path.Combine(dir.Path, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a.txt"), "aaa");
        File.WriteAllText(Path.Combine(source, "b.txt"), "bbbb");
        var a = new FileInfo(Path.Combine(source, "a.txt"));
        var b = new FileInfo(Path.Combine(source, "b.txt"));
        // The shape format 1 was written in (objects per file, the computed modifiedTime included).
        var v1 = new StringBuilder()
            .Append("{\"version\":1,\"target\":\"demo\",\"configurationHashes\":{},\"files\":[],\"components\":[{\"name\":\"app\",")
            .Append("\"restartEvent\":\"Component\",\"startupTimeoutMs\":0,\"dependsOn\":[],\"services\":[],\"files\":[")
            .Append(Entry("/opt/app/a.txt", a.Length, a.LastWriteTimeUtc.Ticks)).Append(',')
            .Append(Entry("/opt/app/b.txt", b.Length - 1, b.LastWriteTimeUtc.Ticks))
            .Append("]}]}")
            .ToString();
        await host.WriteAllTextAsync("/var/lib/demo/control/state.json", v1);
        var target = TargetBuilder.Create("demo").WithStateDirectory("/var/lib/demo").AddComponent("app", c => c.AddFile(source, "/opt/app", ChangeEvent.Restart)).Build();

        var snapshot = await new HostStateStore(host, "/var/lib/demo").ReadAsync();
        var plan = SequencePlanner.Plan(await DesiredTarget.ScanAsync(target), snapshot.State, new PlanOptions());

        snapshot.State!.Version.Should().Be(1);
        snapshot.State.Components[0].Files.Select(f => (f.Entry.Path, f.Entry.Mode, f.ChangeEvent)).Should().Equal(
            ("/opt/app/a.txt", (UnixFileMode)0x1A4, ChangeEvent.Restart), ("/opt/app/b.txt", (UnixFileMode)0x1A4, ChangeEvent.Restart));
        plan.Steps.Where(s => s.Kind == StepKind.TransferFiles).SelectMany(s => s.Files!).Select(f => f.TargetPath).Should().Equal(["/opt/app/b.txt"], "a.txt is recorded as it is");

        static string Entry(string path, long size, long ticks)
            => $"{{\"entry\":{{\"path\":\"{path}\",\"size\":{size},\"modifiedUtcTicks\":{ticks},\"mode\":\"644\",\"modifiedTime\":\"{new DateTimeOffset(ticks, TimeSpan.Zero):O}\"}},\"changeEvent\":\"Restart\"}}";
    }
}
