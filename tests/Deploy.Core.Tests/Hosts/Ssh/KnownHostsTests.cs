using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Hosts.Ssh.Managed;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>known_hosts as OpenSSH reads it, on lines of the shapes ssh and ssh-keygen write.</summary>
public class KnownHostsTests
{
    private static readonly byte[] Ed = Blob("ssh-ed25519", 1);
    private static readonly byte[] OtherEd = Blob("ssh-ed25519", 2);
    private static readonly byte[] Rsa = Blob("ssh-rsa", 3);

    [Theory]
    [InlineData("10.0.0.5", 22, "10.0.0.5")]
    [InlineData("10.0.0.5", 2222, "[10.0.0.5]:2222")]
    public void A_host_is_looked_up_bare_on_port_22_and_bracketed_otherwise(string address, int port, string expected)
        => KnownHosts.HostName(address, port).Should().Be(expected);

    [Fact]
    public void The_listed_key_is_known_a_different_key_of_its_type_is_changed_and_an_absent_host_is_unknown()
    {
        string[] lines = ["# comment", "", "[10.0.0.5]:2222 ssh-ed25519 " + Convert.ToBase64String(Ed) + " deploy@ci"];

        KnownHosts.Check(lines, "[10.0.0.5]:2222", Ed).Should().Be(KnownHosts.Verdict.Known);
        KnownHosts.Check(lines, "[10.0.0.5]:2222", OtherEd).Should().Be(KnownHosts.Verdict.Changed);
        KnownHosts.Check(lines, "[10.0.0.5]:2222", Rsa).Should().Be(KnownHosts.Verdict.KnownForOtherTypes);
        KnownHosts.Check(lines, "10.0.0.5", Ed).Should().Be(KnownHosts.Verdict.Unknown, "port 22 is another entry");
    }

    [Fact]
    public void Comma_lists_wildcards_and_negations_match_as_in_ssh()
    {
        string[] lines = ["web-*.example.com,10.0.0.?,!web-bad.example.com ssh-ed25519 " + Convert.ToBase64String(Ed)];

        KnownHosts.Check(lines, "web-1.example.com", Ed).Should().Be(KnownHosts.Verdict.Known);
        KnownHosts.Check(lines, "10.0.0.7", Ed).Should().Be(KnownHosts.Verdict.Known);
        KnownHosts.Check(lines, "10.0.0.17", Ed).Should().Be(KnownHosts.Verdict.Unknown);
        KnownHosts.Check(lines, "web-bad.example.com", Ed).Should().Be(KnownHosts.Verdict.Unknown);
    }

    [Fact]
    public void A_hashed_name_matches_its_host_only()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
        var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("[10.0.0.5]:2222"));
        string[] lines = [$"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} ssh-ed25519 {Convert.ToBase64String(Ed)}"];

        KnownHosts.Check(lines, "[10.0.0.5]:2222", Ed).Should().Be(KnownHosts.Verdict.Known);
        KnownHosts.Check(lines, "10.0.0.5", Ed).Should().Be(KnownHosts.Verdict.Unknown);
    }

    [Fact]
    public void A_revoked_key_is_refused_even_where_it_is_also_listed()
    {
        string[] lines =
        [
            "10.0.0.5 ssh-ed25519 " + Convert.ToBase64String(Ed),
            "@revoked * ssh-ed25519 " + Convert.ToBase64String(Ed),
        ];

        KnownHosts.Check(lines, "10.0.0.5", Ed).Should().Be(KnownHosts.Verdict.Changed);
    }

    [Fact]
    public void An_accepted_key_is_recorded_in_a_line_that_checks_as_known()
    {
        var line = KnownHosts.Line("[127.0.0.1]:2200", Ed);

        line.Should().StartWith("[127.0.0.1]:2200 ssh-ed25519 AAAA");
        KnownHosts.Check([line], "[127.0.0.1]:2200", Ed).Should().Be(KnownHosts.Verdict.Known);
        KnownHosts.TypesFor([line, "other ssh-rsa " + Convert.ToBase64String(Rsa)], "[127.0.0.1]:2200").Should().Equal("ssh-ed25519");
    }

    /// <summary>An SSH public key blob: the type as an SSH string, then key material.</summary>
    private static byte[] Blob(string type, byte fill)
    {
        var name = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + name.Length + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, name.Length);
        name.CopyTo(blob, 4);
        blob.AsSpan(4 + name.Length).Fill(fill);
        return blob;
    }
}
