using System.Text.RegularExpressions;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// Which cipher a connection negotiates (<see cref="SshCipherPreference"/>), read from a real sshd's own log of the
/// key exchange, for both transports.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SshCipherTests : IDisposable
{
    private const string ChaCha = "chacha20-poly1305@openssh.com";
    private const string Gcm = "aes128-gcm@openssh.com";
    private readonly TempDirectory _dir = new("ssh-cipher");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task By_default_both_transports_negotiate_AES_GCM_where_the_CPU_has_AES_instructions(SshTransport transport)
    {
        await using var server = await StartAsync();

        var cipher = await NegotiatedAsync(server, o => o with { Transport = transport });

        // Without AES instructions the preference changes nothing: the implementation's own first choice stays.
        cipher.Should().Be(SshCiphers.HardwareAes ? Gcm : OwnFirst(transport));
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task Configured_leaves_each_implementations_own_first_cipher(SshTransport transport)
    {
        await using var server = await StartAsync();

        var cipher = await NegotiatedAsync(server, o => o with { Transport = transport, CipherPreference = SshCipherPreference.Configured });

        cipher.Should().Be(OwnFirst(transport));
    }

    [Fact]
    public async Task An_ssh_config_that_leaves_AES_GCM_out_is_obeyed_the_preference_only_reorders()
    {
        await using var server = await StartAsync();
        var config = _dir.WriteFile("ssh_config", $"Ciphers aes256-ctr,{ChaCha}\n");

        var cipher = await NegotiatedAsync(server, o => o with { ConfigFile = config });

        cipher.Should().Be("aes256-ctr");
    }

    [Fact]
    public async Task A_Ciphers_entry_in_ExtraOptions_takes_precedence_over_the_preference()
    {
        await using var server = await StartAsync();

        var cipher = await NegotiatedAsync(server, o => o with { ExtraOptions = [$"Ciphers=aes192-ctr,{Gcm}"] });

        cipher.Should().Be("aes192-ctr");
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task A_server_that_offers_no_AES_GCM_is_still_reached_with_a_cipher_it_offers(SshTransport transport)
    {
        await using var server = await StartAsync($"Ciphers {ChaCha},aes256-ctr");

        var cipher = await NegotiatedAsync(server, o => o with { Transport = transport });

        cipher.Should().BeOneOf(ChaCha, "aes256-ctr");
    }

    [Fact]
    public async Task When_ssh_G_fails_the_master_still_connects_with_ssh_own_order()
    {
        await using var server = await StartAsync();
        // An ssh that refuses -G (an old client, or a wrapper) and runs everything else.
        var ssh = _dir.WriteFile("ssh-no-G", "#!/bin/sh\nfor a; do [ \"$a\" = -G ] && { echo 'unknown option -- G' >&2; exit 255; }; done\nexec ssh \"$@\"\n");
        File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var cipher = await NegotiatedAsync(server, o => o with { SshExecutable = ssh });

        cipher.Should().Be(ChaCha);
    }

    [Fact]
    public void AesGcmFirst_moves_the_AES_GCM_ciphers_ahead_keeping_each_groups_order_and_adds_nothing()
    {
        SshCiphers.AesGcmFirst([ChaCha, "aes128-ctr", "aes256-gcm@openssh.com", Gcm, "aes256-ctr"])
            .Should().Equal("aes256-gcm@openssh.com", Gcm, ChaCha, "aes128-ctr", "aes256-ctr");
        SshCiphers.AesGcmFirst([Gcm, ChaCha]).Should().BeNull("the order is already the preferred one");
        SshCiphers.AesGcmFirst([ChaCha, "aes256-ctr"]).Should().BeNull("there is no AES-GCM to move");
    }

    [Fact]
    public void FromEffectiveConfig_reads_the_ciphers_line_of_ssh_G()
    {
        var output = $"user root\nhostname 127.0.0.1\nciphers {ChaCha},aes128-ctr,{Gcm}\nmacs hmac-sha2-256\n";

        SshCiphers.FromEffectiveConfig(output).Should().Equal(ChaCha, "aes128-ctr", Gcm);
        SshCiphers.FromEffectiveConfig("user root\n").Should().BeEmpty();
    }

    private static string OwnFirst(SshTransport transport) => transport == SshTransport.OpenSsh ? ChaCha : "aes128-ctr";

    // sshd logs the key exchange's choice at DEBUG1 ("kex: client->server cipher: NAME MAC: ...").
    private static Task<SshServer> StartAsync(params string[] configLines) => SshServer.StartAsync(LoginShell.Clean, ["LogLevel DEBUG1", .. configLines]);

    private static async Task<string> NegotiatedAsync(SshServer server, Func<SshHostOptions, SshHostOptions> configure)
    {
        await using (var host = SshHosts.Create(configure(server.HostOptions())))
        {
            (await host.RunAsync(CommandSpec.Of("echo", "ok"))).StandardOutput.Should().Be("ok\n");
        }

        var chosen = Regex.Matches(server.Log, @"kex: client->server cipher: (\S+)").Select(m => m.Groups[1].Value).ToList();
        chosen.Should().ContainSingle("one connection was made");
        return chosen[0];
    }
}
