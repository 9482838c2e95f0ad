using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>What only the managed transport does: passphrase keys, ssh's hashed known_hosts, the jump host over a forwarded port.</summary>
[Trait("Category", "Integration")]
public sealed class ManagedSshHostConnectionTests : IClassFixture<CleanShellSshServerFixture>, IDisposable
{
    private readonly SshServer _server;
    private readonly TempDirectory _dir = new("managed-conn");

    public ManagedSshHostConnectionTests(CleanShellSshServerFixture fixture) => _server = fixture.Server;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_hashed_known_hosts_entry_written_by_ssh_keygen_is_honoured()
    {
        var knownHosts = _dir.WriteFile("known_hosts", File.ReadAllText(_server.KnownHostsFile));
        (await new LocalHost().RunAsync(CommandSpec.Of("ssh-keygen", "-q", "-H", "-f", knownHosts))).ThrowOnFailure();
        File.ReadAllText(knownHosts).Should().StartWith("|1|", "ssh-keygen -H hashes the host names");

        await using var host = Create(o => o with { KnownHostsFile = knownHosts });

        (await host.RunAsync(CommandSpec.Of("echo", "ok"))).StandardOutput.Should().Be("ok\n");
    }

    [Fact]
    public async Task A_passphrase_protected_key_logs_in_and_a_wrong_passphrase_is_AuthenticationFailed_without_it()
    {
        const string passphrase = "correct horse 7f3a";
        var key = _dir.Combine("locked");
        (await new LocalHost().RunAsync(CommandSpec.Of("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", key) with { Secrets = [passphrase] })).ThrowOnFailure();
        await File.AppendAllTextAsync(Path.Combine(_server.Directory, "authorized_keys"), File.ReadAllText(key + ".pub"));

        await using (var host = Create(o => o with { IdentityFile = key, IdentityPassphrase = SshSecret.FromCallback(_ => ValueTask.FromResult(passphrase)) }))
        {
            (await host.RunAsync(CommandSpec.Of("echo", "unlocked"))).StandardOutput.Should().Be("unlocked\n");
        }

        await using var wrong = Create(o => o with { IdentityFile = key, IdentityPassphrase = SshSecret.FromCallback(_ => ValueTask.FromResult("not " + passphrase)) });
        var act = () => wrong.RunAsync(CommandSpec.Of("true"));
        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.AuthenticationFailed);
        e.ToString().Should().NotContain(passphrase);
    }

    [Fact]
    public async Task A_jump_host_carries_the_connection_through_a_forwarded_port()
    {
        // The target is a second sshd that also trusts the fixture's client key; the jump is the fixture's sshd.
        await using var target = await SshServer.StartAsync(LoginShell.Clean);
        await File.AppendAllTextAsync(Path.Combine(target.Directory, "authorized_keys"), File.ReadAllText(_server.IdentityFile + ".pub"));
        var knownHosts = _dir.WriteFile("known_hosts", File.ReadAllText(_server.KnownHostsFile) + File.ReadAllText(target.KnownHostsFile));
        var options = target.HostOptions() with
        {
            Transport = SshTransport.Managed,
            IdentityFile = _server.IdentityFile,
            KnownHostsFile = knownHosts,
            ProxyJump = $"{_server.User}@{_server.Address}:{_server.Port}",
            RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        await using var host = new ManagedSshHost(options);

        (await host.RunAsync(CommandSpec.Of("sh", "-c", "echo $SSH_CONNECTION"))).StandardOutput.Should().EndWith($" {target.Port}\n");
        host.Connects.Should().Be(1);

        // Cutting the jump host's connections cuts the target's too: the connection really rides through the jump.
        _server.KillAllConnections().Should().BeGreaterThan(0);
        var after = await host.RunAsync(CommandSpec.Of("echo", "again") with { Idempotent = true });

        after.StandardOutput.Should().Be("again\n");
        host.Connects.Should().Be(2, "the target's connection died with the jump host's and was opened again through it");
    }

    [Fact]
    public async Task An_unknown_jump_host_key_is_refused_naming_the_jump_host()
    {
        var knownHosts = _dir.WriteFile("known_hosts", "");
        await using var host = Create(o => o with { KnownHostsFile = knownHosts, ProxyJump = $"{_server.User}@{_server.Address}:{_server.Port}" });

        var act = () => host.RunAsync(CommandSpec.Of("true"));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.HostKeyUnknown);
        e.Host.Should().Be($"{_server.User}@{_server.Address}:{_server.Port}");
    }

    [Fact]
    public async Task An_idempotent_command_is_retried_on_a_new_connection_after_the_connection_drops()
    {
        await using var host = new ManagedSshHost(_server.HostOptions() with { Transport = SshTransport.Managed, RetryDelay = TimeSpan.FromMilliseconds(100) });
        await host.RunAsync(CommandSpec.Of("true"));

        _server.KillAllConnections();
        var result = await host.RunAsync(CommandSpec.Of("echo", "back") with { Idempotent = true });

        result.StandardOutput.Should().Be("back\n");
        host.Connects.Should().Be(2);
    }

    [Fact]
    public async Task A_connection_cut_mid_upload_leaves_no_partial_file_at_any_destination()
    {
        var dest = _dir.Combine("dst");
        await using var host = Create(o => o with { RemoteTempDirectory = _dir.Path });
        var content = new byte[2_000_000];
        var files = new List<FileUpload>();
        for (var i = 0; i < 40; i++)
        {
            content[0] = (byte)i;
            var local = _dir.Combine("src" + i);
            await File.WriteAllBytesAsync(local, content);
            files.Add(new FileUpload(local, $"{dest}/中文 {i}.bin"));
        }

        var cut = 0;
        var progress = new Contract.HostContractTests.SyncProgress(p =>
        {
            if (p.FilesDone == 10 && Interlocked.Exchange(ref cut, 1) == 0)
            {
                _server.KillAllConnections();
            }
        });

        var act = () => host.UploadAsync(files, progress);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().BeOneOf(DeployErrorCode.HostUnreachable, DeployErrorCode.TransferFailed);
        cut.Should().Be(1);
        files.Where(f => File.Exists(f.TargetPath)).Should().BeEmpty("files are placed only after the whole stream arrived");
        await using var next = Create(o => o with { RemoteTempDirectory = _dir.Path });
        await next.UploadAsync([new FileUpload(files[0].LocalPath, dest + "/after.bin")]);
        File.ReadAllBytes(dest + "/after.bin").Length.Should().Be(content.Length);
    }

    private ManagedSshHost Create(Func<SshHostOptions, SshHostOptions> configure)
        => new(configure(_server.HostOptions() with { Transport = SshTransport.Managed, RetryAttempts = 0 }));
}
