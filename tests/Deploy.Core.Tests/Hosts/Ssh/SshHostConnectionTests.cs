using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>Connecting: host key policy, credentials and unreachable hosts on both transports; OpenSSH's master connection.</summary>
[Trait("Category", "Integration")]
public sealed class SshHostConnectionTests : IClassFixture<SshServerFixture>, IDisposable
{
    private readonly SshServer _server;
    private readonly TempDirectory _dir = new("ssh-conn");

    public SshHostConnectionTests(SshServerFixture fixture) => _server = fixture.Server;

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task Unknown_host_key_is_refused_by_default(SshTransport transport)
    {
        var knownHosts = _dir.WriteFile("known_hosts", "");
        await using var host = Create(transport, o => o with { KnownHostsFile = knownHosts });

        var act = () => host.RunAsync(CommandSpec.Of("true") with { Idempotent = true });

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.HostKeyUnknown);
        e.Host.Should().Be(host.Name);
        File.ReadAllText(knownHosts).Should().BeEmpty();
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task Unknown_host_key_is_accepted_and_recorded_when_asked(SshTransport transport)
    {
        var knownHosts = _dir.WriteFile("known_hosts", "");
        await using (var host = Create(transport, o => o with { KnownHostsFile = knownHosts, HostKeyPolicy = HostKeyPolicy.AcceptNew }))
        {
            (await host.RunAsync(CommandSpec.Of("echo", "ok"))).StandardOutput.Should().Be("ok\n");
        }

        File.ReadAllText(knownHosts).Should().Contain(_server.HostKeyPublic.Split(' ')[1]);
        await using var strict = Create(transport, o => o with { KnownHostsFile = knownHosts });
        (await strict.RunAsync(CommandSpec.Of("echo", "again"))).StandardOutput.Should().Be("again\n");
    }

    [Theory]
    [InlineData(HostKeyPolicy.Strict, SshTransport.OpenSsh)]
    [InlineData(HostKeyPolicy.AcceptNew, SshTransport.OpenSsh)]
    [InlineData(HostKeyPolicy.Strict, SshTransport.Managed)]
    [InlineData(HostKeyPolicy.AcceptNew, SshTransport.Managed)]
    public async Task Changed_host_key_is_refused_even_with_accept_new(HostKeyPolicy policy, SshTransport transport)
    {
        var other = await KeygenAsync("other");
        var knownHosts = _dir.WriteFile("known_hosts", $"[127.0.0.1]:{_server.Port} {other}\n");
        await using var host = Create(transport, o => o with { KnownHostsFile = knownHosts, HostKeyPolicy = policy });

        var act = () => host.RunAsync(CommandSpec.Of("true"));

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.HostKeyMismatch);
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task Unauthorized_identity_is_an_authentication_failure(SshTransport transport)
    {
        await KeygenAsync("stranger");
        await using var host = Create(transport, o => o with { IdentityFile = _dir.Combine("stranger") });

        var act = () => host.RunAsync(CommandSpec.Of("true") with { Idempotent = true });

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.AuthenticationFailed);
        e.Message.Should().Contain("identity file");
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task Closed_port_is_host_unreachable_after_retries(SshTransport transport)
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var host = Create(transport, o => o with { Port = port, RetryAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(50) });

        var act = () => host.StatAsync("/etc");

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.HostUnreachable);
    }

    [Fact]
    public async Task Idempotent_command_is_retried_after_the_connection_drops()
    {
        var counter = _dir.Combine("idempotent.count");
        await using var host = _server.CreateHost(o => o with { RetryDelay = TimeSpan.FromMilliseconds(100) });
        await host.RunAsync(CommandSpec.Of("true"));

        var run = host.RunAsync(CommandSpec.Of("sh", "-c", "echo run >> \"$1\"; sleep 1; echo done", "sh", counter) with { Idempotent = true });
        await WaitForLinesAsync(counter, 1);
        _server.KillAllConnections().Should().BeGreaterThan(0);

        var result = await run;
        result.StandardOutput.Should().Be("done\n");
        File.ReadAllLines(counter).Should().HaveCount(2, "the command ran again on a new connection");
    }

    [Fact]
    public async Task Non_idempotent_command_is_not_retried_after_the_connection_drops()
    {
        var counter = _dir.Combine("once.count");
        await using var host = _server.CreateHost(o => o with { RetryDelay = TimeSpan.FromMilliseconds(100) });
        await host.RunAsync(CommandSpec.Of("true"));

        var run = host.RunAsync(CommandSpec.Of("sh", "-c", "echo run >> \"$1\"; sleep 1; echo done", "sh", counter));
        await WaitForLinesAsync(counter, 1);
        _server.KillAllConnections().Should().BeGreaterThan(0);

        var e = (await FluentActions.Awaiting(() => run).Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.HostUnreachable);
        await Task.Delay(1500);
        File.ReadAllLines(counter).Should().HaveCount(1, "a command that may have had side effects is never run twice");

        // The host reconnects by itself for the next command.
        (await host.RunAsync(CommandSpec.Of("echo", "back"))).StandardOutput.Should().Be("back\n");
    }

    [Fact]
    public async Task Standard_input_command_is_retried_after_the_connection_drops_when_idempotent()
    {
        var counter = _dir.Combine("stdin.count");
        await using var host = _server.CreateHost(o => o with { RetryDelay = TimeSpan.FromMilliseconds(100) });
        await host.RunAsync(CommandSpec.Of("true"));
        using var input = new MemoryStream("payload"u8.ToArray());

        var run = host.RunAsync(CommandSpec.Of("sh", "-c", "echo run >> \"$1\"; sleep 1; cat", "sh", counter) with { Idempotent = true, StandardInput = input });
        await WaitForLinesAsync(counter, 1);
        _server.KillAllConnections();

        (await run).StandardOutput.Should().Be("payload", "the input is replayed from the start");
    }

    [Fact]
    public async Task Dispose_closes_the_master_connection()
    {
        var host = _server.CreateHost();
        await host.RunAsync(CommandSpec.Of("true"));
        var masters = MastersFor(_server.Port);
        masters.Should().NotBeEmpty();

        await host.DisposeAsync();

        var sw = Stopwatch.StartNew();
        while (MastersFor(_server.Port).Intersect(masters).Any() && sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
        }

        MastersFor(_server.Port).Intersect(masters).Should().BeEmpty();
    }

    private static int[] MastersFor(int port)
        => Process.GetProcessesByName("ssh")
            .Where(p =>
            {
                try
                {
                    var cmd = File.ReadAllText($"/proc/{p.Id}/cmdline");
                    return cmd.Contains("ControlMaster=yes", StringComparison.Ordinal) && cmd.Contains("\0" + port + "\0", StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            })
            .Select(p => p.Id)
            .ToArray();

    private static async Task WaitForLinesAsync(string file, int lines)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (File.Exists(file) && File.ReadAllLines(file).Length >= lines)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{file} never got {lines} lines");
    }

    /// <summary>A host on <paramref name="transport"/> for the fixture's server, with <paramref name="configure"/> applied.</summary>
    [Fact]
    public async Task A_small_file_written_and_read_in_band_round_trips_exactly_and_its_content_never_reaches_the_log()
    {
        // Quoting-hostile text with a secret, small enough to ride in-band on a pooled session both ways.
        const string Secret = "s3cret-Pa55word";
        var content = $"password={Secret}\nquote=' \"$HOME\" `id` \\n %s %%\n\n  trailing  \n{new string('x', 3000)}\nno newline at the end";
        var logger = new CapturingLogger<SshHost>();
        await using var host = new SshHost(_server.HostOptions(), logger);
        var path = _dir.Combine("in-band/config.ini");

        await host.WriteFileAsync(path, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        await using var read = await host.OpenReadAsync(path);
        using var reader = new StreamReader(read);

        (await reader.ReadToEndAsync()).Should().Be(content);
        File.ReadAllText(path).Should().Be(content);
        File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("password=" + Secret)).Substring(0, 16);
        logger.Messages.Should().NotBeEmpty().And.NotContain(m => m.Contains(Secret, StringComparison.Ordinal) || m.Contains(encoded, StringComparison.Ordinal));
    }

    private IHost Create(SshTransport transport, Func<SshHostOptions, SshHostOptions> configure)
        => SshHosts.Create(configure(_server.HostOptions()) with { Transport = transport });

    private async Task<string> KeygenAsync(string name)
    {
        var result = await new LocalHost().RunAsync(CommandSpec.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", _dir.Combine(name)));
        result.ThrowOnFailure();
        return string.Join(' ', File.ReadAllText(_dir.Combine(name + ".pub")).Split(' ').Take(2));
    }
}
