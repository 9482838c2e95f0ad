using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>The agent's index checks, pure: each refusal has its own error code.</summary>
public sealed class IndexVerifierTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _key.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void A_fresh_index_signed_by_a_trusted_key_is_accepted_and_its_serial_recorded()
    {
        var (bytes, sig) = Signed(Index(5), _key);

        var index = IndexVerifier.Verify(bytes, sig, [TrustedKey.FromKey(_key)], new AgentState { HighestSerial = 4 }, Now);

        index.Serial.Should().Be(5);
        index.Packages.Single().Version.Should().Be("2.0.0");
        IndexVerifier.Accepted(new AgentState(), index, bytes).HighestSerial.Should().Be(5);
    }

    [Fact]
    public void An_index_signed_by_an_untrusted_key_is_refused_as_a_bad_signature()
    {
        var (bytes, sig) = Signed(Index(1), _other);

        Refusal(() => IndexVerifier.Verify(bytes, sig, [TrustedKey.FromKey(_key)], new AgentState(), Now)).Code.Should().Be(DeployErrorCode.SignatureInvalid);
    }

    [Fact]
    public void An_index_changed_after_signing_is_refused_as_a_bad_signature()
    {
        var (bytes, sig) = Signed(Index(1), _key);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("2.0.0", "2.0.1", StringComparison.Ordinal));

        var e = Refusal(() => IndexVerifier.Verify(tampered, sig, [TrustedKey.FromKey(_key)], new AgentState(), Now));

        e.Code.Should().Be(DeployErrorCode.SignatureInvalid);
        e.Path.Should().Be("index.sig");
    }

    [Fact]
    public void An_index_older_than_the_highest_seen_is_refused_as_a_replay()
    {
        var (bytes, sig) = Signed(Index(3), _key);

        var e = Refusal(() => IndexVerifier.Verify(bytes, sig, [TrustedKey.FromKey(_key)], new AgentState { HighestSerial = 4 }, Now));

        e.Code.Should().Be(DeployErrorCode.IndexReplayed);
        e.Message.Should().Contain("serial 3").And.Contain("serial 4");
    }

    [Fact]
    public void A_different_index_with_the_serial_already_seen_is_refused_as_a_replay()
    {
        var (seen, _) = Signed(Index(4), _key);
        var (bytes, sig) = Signed(Index(4, version: "3.0.0"), _key);
        var state = IndexVerifier.Accepted(new AgentState(), FeedIndex.Parse(seen), seen);

        Refusal(() => IndexVerifier.Verify(bytes, sig, [TrustedKey.FromKey(_key)], state, Now)).Code.Should().Be(DeployErrorCode.IndexReplayed);
        IndexVerifier.Verify(seen, Signed(Index(4), _key).Sig, [TrustedKey.FromKey(_key)], state, Now).Serial.Should().Be(4, "the same index fetched again is fine");
    }

    [Fact]
    public void An_expired_index_is_refused_as_expired()
    {
        var (bytes, sig) = Signed(Index(9, expires: Now.AddSeconds(-1)), _key);

        var e = Refusal(() => IndexVerifier.Verify(bytes, sig, [TrustedKey.FromKey(_key)], new AgentState(), Now));

        e.Code.Should().Be(DeployErrorCode.IndexExpired);
        e.Message.Should().Contain("2026-12-02T07:59:59Z");
    }

    [Fact]
    public void An_index_naming_a_file_outside_the_feed_is_refused_as_invalid()
    {
        var index = Index(1) with { Packages = [new FeedEntry("2.0.0", "stable", "../etc/passwd", 1, new string('a', 64))] };

        var e = Refusal(() => FeedIndex.Parse(index.ToUtf8Bytes()));

        e.Code.Should().Be(DeployErrorCode.InvalidConfiguration);
        e.Path.Should().Be("index.json:packages[0].file");
    }

    [Fact]
    public void A_key_announced_by_a_trusted_key_becomes_trusted_and_the_old_key_is_retired()
    {
        var (document, signature) = KeyAnnouncement.Create(_key, _other, retireOld: true, Now);
        var announcement = KeyAnnouncement.Verify(TrustedKey.FromKey(_other).KeyId, document, signature, [TrustedKey.FromKey(_key)]);
        var state = IndexVerifier.Rotated(new AgentState(), announcement);
        var (bytes, sig) = Signed(Index(2), _other);

        var trusted = IndexVerifier.TrustedKeys([TrustedKey.FromKey(_key)], state);

        trusted.Select(k => k.KeyId).Should().Equal(TrustedKey.FromKey(_other).KeyId);
        IndexVerifier.Verify(bytes, sig, trusted, state, Now).Serial.Should().Be(2);
        Refusal(() => IndexVerifier.Verify(Signed(Index(3), _key).Bytes, Signed(Index(3), _key).Sig, trusted, state, Now)).Code.Should().Be(DeployErrorCode.SignatureInvalid, "the retired key signs nothing any more");
    }

    [Fact]
    public void A_key_announcement_signed_by_an_untrusted_key_is_refused()
    {
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (document, signature) = KeyAnnouncement.Create(attacker, _other, retireOld: true, Now);

        var e = Refusal(() => KeyAnnouncement.Verify(TrustedKey.FromKey(_other).KeyId, document, signature, [TrustedKey.FromKey(_key)]));

        e.Code.Should().Be(DeployErrorCode.KeyRotationInvalid);
        e.Path.Should().Be("keys/" + TrustedKey.FromKey(_other).KeyId + ".json");
    }

    [Fact]
    public void A_key_announcement_filed_under_another_key_id_is_refused()
    {
        var (document, signature) = KeyAnnouncement.Create(_key, _other, retireOld: false, Now);

        Refusal(() => KeyAnnouncement.Verify(new string('0', 64), document, signature, [TrustedKey.FromKey(_key)])).Code.Should().Be(DeployErrorCode.KeyRotationInvalid);
    }

    private static FeedIndex Index(long serial, string version = "2.0.0", DateTimeOffset? expires = null)
        => new(serial, Now.AddHours(-1), expires ?? Now.AddDays(7), [new FeedEntry(version, "stable", "packages/app-" + version + ".tar.gz", 1234, new string('b', 64), "1.0.0")]);

    private static (byte[] Bytes, byte[] Sig) Signed(FeedIndex index, ECDsa key)
    {
        var bytes = index.ToUtf8Bytes();
        return (bytes, PackageSignature.Sign(bytes, key));
    }

    private static DeployException Refusal(Action act) => act.Should().Throw<DeployException>().Which;
}
