using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>
/// The <see cref="IHost"/> contract on <see cref="ManagedSshHost"/> (SSH.NET) against a real sshd on this machine. Its
/// logins skip the machine's rc files: the managed transport starts a login shell per command, and this machine's
/// wait on a pyenv lock each time (the OpenSSH suite keeps them, and its sessions pay once).
/// </summary>
public sealed class ManagedSshHostContractTests(CleanShellSshServerFixture fixture) : HostContractTests, IClassFixture<CleanShellSshServerFixture>
{
    protected override string Root => Scratch.Path + "/work";

    protected override IHost CreateHost() => SshHosts.Create(fixture.Server.HostOptions() with { Transport = SshTransport.Managed });

    protected override string OnMachine(string targetPath) => targetPath;

    [Fact]
    public async Task Concurrent_commands_share_one_connection_each_on_its_own_channel()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Host.RunAsync(CommandSpec.Of("sh", "-c", "sleep 0.2; echo $SSH_CONNECTION"))));

        results.Select(r => r.StandardOutput).Distinct().Should().ContainSingle("every command rides the same TCP connection");
        ((ManagedSshHost)Host).Connects.Should().Be(1);
        using var input = new MemoryStream([1]);
        (await Host.RunAsync(CommandSpec.Of("sh", "-c", "cat >/dev/null; echo $SSH_CONNECTION") with { StandardInput = input })).StandardOutput.Should().Be(results[0].StandardOutput);
    }
}
