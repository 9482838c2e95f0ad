using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>The <see cref="IHost"/> contract on <see cref="SshHost"/> (system OpenSSH) against a real sshd on this machine.</summary>
public sealed class OpenSshHostContractTests(SshServerFixture fixture) : HostContractTests, IClassFixture<SshServerFixture>
{
    protected override string Root => Scratch.Path + "/work";

    protected override IHost CreateHost() => fixture.Server.CreateHost();

    protected override string OnMachine(string targetPath) => targetPath;

    [Fact]
    public async Task Commands_reuse_one_master_connection()
    {
        for (var i = 0; i < 20; i++)
        {
            await Host.RunAsync(CommandSpec.Of("true"));
        }

        var first = (await Host.RunAsync(CommandSpec.Of("sh", "-c", "echo $SSH_CONNECTION"))).StandardOutput;
        for (var i = 0; i < 5; i++)
        {
            (await Host.RunAsync(CommandSpec.Of("sh", "-c", "echo $SSH_CONNECTION"))).StandardOutput.Should().Be(first, "every command rides the same TCP connection");
        }

        using var input = new MemoryStream([1]);
        (await Host.RunAsync(CommandSpec.Of("sh", "-c", "cat >/dev/null; echo $SSH_CONNECTION") with { StandardInput = input })).StandardOutput.Should().Be(first);
    }
}
