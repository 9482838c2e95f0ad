using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// A large upload over a real sshd, on both transports: split into two tar streams extracted at once where the host
/// has perl, and in one stream, after one refusal, where it has not.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SshHostSplitUploadTests : IClassFixture<CleanShellSshServerFixture>, IDisposable
{
    private const int Count = UploadFrames.SplitFrom + 100;
    private static readonly DateTimeOffset Time = new DateTime(2022, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(7_654_321);
    private readonly SshServer _server;
    private readonly TempDirectory _local = new("ssh-split-src");
    private readonly TempDirectory _remote = new("ssh-split-dst");

    public SshHostSplitUploadTests(CleanShellSshServerFixture fixture) => _server = fixture.Server;

    public void Dispose()
    {
        _local.Dispose();
        _remote.Dispose();
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task An_upload_of_as_many_files_as_the_split_takes_is_extracted_in_two_streams_and_lands_exact_while_a_smaller_one_goes_in_one(SshTransport transport)
    {
        var log = new Log();
        await using var host = Host(_server, transport, log);
        var files = Files(Count, _remote.Path + "/first/app");
        var small = Files(UploadFrames.SplitFrom - 1, _remote.Path + "/second/app");

        var summary = await host.UploadAsync(files);
        log.Messages.Should().ContainSingle(m => m.Contains($"upload of {Count} files split into two streams", StringComparison.Ordinal));
        await host.UploadAsync(small);

        summary.Files.Should().Be(Count);
        AllExact(files.Concat(small));
        log.Messages.Should().ContainSingle(m => m.Contains("split into two streams", StringComparison.Ordinal), "an upload below the split's size goes in one stream");
        SshHostUploadTests.TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task A_host_without_perl_refuses_the_split_once_and_gets_that_upload_and_every_later_one_in_one_stream(SshTransport transport)
    {
        using var bin = new TempDirectory("noperl");
        var path = NoPerlPath.Make(bin.Combine("bin"));
        await using var server = await SshServer.StartAsync(LoginShell.Clean, [$"SetEnv SHLVL=1 PYENV_REHASH_TIMEOUT=1 PATH={path}"]);
        var log = new Log();
        await using var host = Host(server, transport, log);
        (await host.RunAsync(CommandSpec.Of("sh", "-c", "command -v perl || echo none"))).StandardOutput.Should().Be("none\n", "the host's PATH has no perl");
        var first = Files(Count, _remote.Path + "/first/app");
        var second = Files(Count, _remote.Path + "/second/app");

        await host.UploadAsync(first);
        await host.UploadAsync(second);

        AllExact(first.Concat(second));
        log.Messages.Should().ContainSingle(m => m.Contains("has no perl to extract a split upload", StringComparison.Ordinal));
        log.Messages.Should().ContainSingle(m => m.Contains("split into two streams", StringComparison.Ordinal), "only the first upload tried");
        SshHostUploadTests.TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    private static IHost Host(SshServer server, SshTransport transport, Log log)
    {
        var options = server.HostOptions() with { Transport = transport };
        return transport == SshTransport.Managed ? new ManagedSshHost(options, log.Managed) : new SshHost(options, log.OpenSsh);
    }

    /// <summary>The log of either transport's host.</summary>
    private sealed class Log
    {
        public CapturingLogger<SshHost> OpenSsh { get; } = new();

        public CapturingLogger<ManagedSshHost> Managed { get; } = new();

        public IEnumerable<string> Messages => OpenSsh.Messages.Concat(Managed.Messages);
    }

    private List<FileUpload> Files(int count, string dir)
    {
        var random = new Random(count);
        return Enumerable.Range(0, count).Select(i =>
        {
            var bytes = new byte[random.Next(0, 3_000)];
            random.NextBytes(bytes);
            var local = _local.Combine($"{Path.GetFileName(Path.GetDirectoryName(dir))}-{i}");
            File.WriteAllBytes(local, bytes);
            return new FileUpload(local, $"{dir}/d{i / 50}/f{i}") { Mode = i % 2 == 0 ? (UnixFileMode)0x1ED : (UnixFileMode)0x180, ModifiedTime = Time.AddTicks(i) };
        }).ToList();
    }

    private static void AllExact(IEnumerable<FileUpload> files)
    {
        foreach (var f in files)
        {
            File.ReadAllBytes(f.TargetPath).Should().Equal(File.ReadAllBytes(f.LocalPath), f.TargetPath);
            File.GetUnixFileMode(f.TargetPath).Should().Be(f.Mode!.Value, f.TargetPath);
            File.GetLastWriteTimeUtc(f.TargetPath).Should().Be(f.ModifiedTime!.Value.UtcDateTime, f.TargetPath);
        }
    }
}
