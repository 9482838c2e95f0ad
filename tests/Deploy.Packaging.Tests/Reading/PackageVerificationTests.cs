using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Reading;

public class PackageVerificationTests
{
    private static async Task<(TempDirectory Dir, string Package)> BuildAsync(ECDsa? key = null)
    {
        var dir = new TempDirectory();
        var builder = TestPackages.Agent("agent_1.0", TestPackages.AgentPayload(dir.Path));
        if (key is not null)
        {
            builder = builder.SignWith(key);
        }

        return (dir, await TestPackages.BuildAsync(builder, dir.Combine("out")));
    }

    /// <summary>Rewrites the package with <paramref name="change"/> applied to the outer entries.</summary>
    private static async Task<string> TamperAsync(string package, Func<List<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)>, List<(TarEntryType, string, int, string?, byte[])>> change)
    {
        var entries = await TestPackages.ReadAllAsync(package);
        var tampered = Path.Combine(Path.GetDirectoryName(package)!, "tampered-" + Path.GetFileName(package));
        await TestPackages.WriteAllAsync(tampered, change(entries));
        return tampered;
    }

    /// <summary>Rewrites the payload (package.tar.gz) inside the package, keeping the manifest.</summary>
    private static Task<string> TamperPayloadAsync(string package, Func<List<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)>, IEnumerable<(TarEntryType, string, int, string?, byte[])>> change)
        => TamperAsync(package, outer => outer.Select(e =>
        {
            if (!e.Name.EndsWith("/package.tar.gz", StringComparison.Ordinal))
            {
                return e;
            }

            var inner = new List<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)>();
            using (var gz = new GZipStream(new MemoryStream(e.Data), CompressionMode.Decompress))
            using (var reader = new TarReader(gz))
            {
                while (reader.GetNextEntry() is { } t)
                {
                    using var ms = new MemoryStream();
                    t.DataStream?.CopyTo(ms);
                    inner.Add((t.EntryType, t.Name, (int)t.Mode, string.IsNullOrEmpty(t.LinkName) ? null : t.LinkName, ms.ToArray()));
                }
            }

            using var output = new MemoryStream();
            using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            using (var writer = new TarWriter(gz, TarEntryFormat.Pax))
            {
                foreach (var (type, name, mode, link, data) in change(inner))
                {
                    var entry = new PaxTarEntry(type, name) { Mode = (UnixFileMode)mode };
                    if (link is not null)
                    {
                        entry.LinkName = link;
                    }

                    if (type == TarEntryType.RegularFile)
                    {
                        entry.DataStream = new MemoryStream(data);
                    }

                    writer.WriteEntry(entry);
                }
            }

            return (e.Type, e.Name, e.Mode, e.Link, output.ToArray());
        }).ToList());

    [Fact]
    public async Task An_intact_package_verifies_and_extracts_atomically()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;

        var verified = await new PackageReader().ExtractAsync(pkg, dir.Combine("x", "agent"));

        verified.Version.PackageName.Should().Be("agent_1.0");
        verified.Signature.Status.Should().Be(SignatureStatus.Unsigned);
        (await File.ReadAllTextAsync(Path.Combine(verified.PayloadDirectory!, "tools", "version.txt"))).Should().Be("v1\n");
        File.GetUnixFileMode(Path.Combine(verified.PayloadDirectory!, "tools", "agent.sh")).Should().HaveFlag(UnixFileMode.UserExecute);
        File.Exists(Path.Combine(verified.Directory!, "install")).Should().BeTrue();
        Directory.EnumerateFileSystemEntries(dir.Combine("x")).Should().Equal(dir.Combine("x", "agent"));
    }

    [Fact]
    public async Task A_changed_payload_file_fails_naming_it()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperPayloadAsync(pkg, inner => inner.Select(e => e.Name == "tools/version.txt" ? e with { Data = "v2\n"u8.ToArray() } : e));

        var act = () => new PackageReader().ExtractAsync(tampered, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "tools/version.txt");
        Directory.Exists(dir.Combine("x")).Should().BeFalse();
    }

    [Fact]
    public async Task An_extra_payload_file_fails_naming_it()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperPayloadAsync(pkg, inner => inner.Append((TarEntryType.RegularFile, "tools/backdoor.sh", 0b111_101_101, null, "evil"u8.ToArray())));

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "tools/backdoor.sh");
    }

    [Fact]
    public async Task A_missing_payload_file_fails_naming_it()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperPayloadAsync(pkg, inner => inner.Where(e => e.Name != "tools/agent.sh"));

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "tools/agent.sh");
    }

    [Fact]
    public async Task A_payload_file_larger_than_the_manifest_is_refused_before_it_is_read()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperPayloadAsync(pkg, inner => inner.Select(e => e.Name == "tools/version.txt" ? e with { Data = new byte[1 << 20] } : e));

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.UnsafeArchiveEntry && e.Path == "tools/version.txt" && e.Message.Contains("manifest says 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_changed_version_json_fails_naming_it()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperAsync(pkg, outer => outer.Select(e => e.Name.EndsWith("/version.json", StringComparison.Ordinal)
            ? e with { Data = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(e.Data).Replace("bclinux,", "", StringComparison.Ordinal)) }
            : e).ToList<(TarEntryType, string, int, string?, byte[])>());

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "version.json");
    }

    [Fact]
    public async Task An_extra_top_level_file_fails()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperAsync(pkg, outer => [.. outer, (TarEntryType.RegularFile, "agent_1.0/post-install.sh", 0b111_101_101, null, "rm -rf /"u8.ToArray())]);

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "agent_1.0/post-install.sh");
    }

    [Fact]
    public async Task A_missing_launcher_fails()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var tampered = await TamperAsync(pkg, outer => outer.Where(e => !e.Name.EndsWith("/install", StringComparison.Ordinal)).ToList<(TarEntryType, string, int, string?, byte[])>());

        var act = () => new PackageReader().VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.ManifestMismatch && e.Path == "install");
    }

    [Fact]
    public async Task A_plain_tar_and_a_zip_of_the_same_package_verify()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var entries = await TestPackages.ReadAllAsync(pkg);
        var tar = dir.Combine("agent_1.0.tar");
        await using (var fs = File.Create(tar))
        await using (var w = new TarWriter(fs, TarEntryFormat.Pax))
        {
            foreach (var e in entries)
            {
                var te = new PaxTarEntry(e.Type, e.Name) { Mode = (UnixFileMode)e.Mode };
                if (e.Type == TarEntryType.RegularFile)
                {
                    te.DataStream = new MemoryStream(e.Data);
                }

                await w.WriteEntryAsync(te);
            }
        }

        var zip = dir.Combine("agent_1.0.zip");
        using (var z = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            foreach (var e in entries)
            {
                var ze = z.CreateEntry(e.Name);
                ze.ExternalAttributes = ((e.Type == TarEntryType.Directory ? 0x4000 : 0x8000) | e.Mode) << 16;
                await using var s = ze.Open();
                await s.WriteAsync(e.Data);
            }
        }

        (await new PackageReader().VerifyAsync(tar)).Version.PackageName.Should().Be("agent_1.0");
        (await new PackageReader().ExtractAsync(zip, dir.Combine("z"))).Manifest.Payload.Should().HaveCount(5);
        (await File.ReadAllTextAsync(dir.Combine("z", "payload", "tools", "version.txt"))).Should().Be("v1\n");
    }

    [Fact]
    public async Task A_signed_package_is_trusted_by_its_public_key_in_pem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (dir, pkg) = await BuildAsync(key);
        using var _ = dir;
        var policy = TrustPolicy.Require(TrustedKey.FromPem(key.ExportSubjectPublicKeyInfoPem()));

        var verified = await new PackageReader(new PackageReadOptions { Trust = policy }).VerifyAsync(pkg);

        verified.Signature.Status.Should().Be(SignatureStatus.Trusted);
        verified.Signature.KeyId.Should().Be(TrustedKey.FromKey(key).KeyId);
        (await new PackageReader().VerifyAsync(pkg)).Signature.Status.Should().Be(SignatureStatus.SignedByUnknownKey);
    }

    [Fact]
    public async Task A_package_signed_by_another_key_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (dir, pkg) = await BuildAsync(other);
        using var _ = dir;

        var act = () => new PackageReader(new PackageReadOptions { Trust = new TrustPolicy { TrustedKeys = [TrustedKey.FromKey(key)] } }).VerifyAsync(pkg);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.SignatureInvalid && e.Message.Contains("not one of the 1 trusted keys", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unsigned_package_is_refused_when_the_policy_requires_signatures()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;

        var act = () => new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Require(TrustedKey.FromKey(key)) }).VerifyAsync(pkg);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.SignatureInvalid && e.Path == "manifest.sig");
    }

    [Fact]
    public async Task A_manifest_changed_after_signing_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (dir, pkg) = await BuildAsync(key);
        using var _ = dir;
        // Same meaning, different bytes: every hash still matches, only the signature can tell.
        var tampered = await TamperAsync(pkg, outer => outer.Select(e => e.Name.EndsWith("/manifest.json", StringComparison.Ordinal) ? e with { Data = [.. e.Data, (byte)' '] } : e).ToList<(TarEntryType, string, int, string?, byte[])>());

        var act = () => new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Require(TrustedKey.FromKey(key)) }).VerifyAsync(tampered);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.SignatureInvalid && e.Message.Contains("changed after signing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_non_p256_trusted_key_is_rejected()
    {
        using var rsa = RSA.Create(2048);
        ((Action)(() => TrustedKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem()))).Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidConfiguration);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public async Task A_truncated_package_is_reported_as_invalid(double keep)
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        var bytes = await File.ReadAllBytesAsync(pkg);
        await File.WriteAllBytesAsync(pkg, bytes[..(int)(bytes.Length * keep)]);

        var act = () => new PackageReader().ExtractAsync(pkg, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.PackageInvalid || e.Code == DeployErrorCode.ManifestMismatch);
        Directory.Exists(dir.Combine("x")).Should().BeFalse();
    }

    [Fact]
    public async Task Extracting_onto_an_existing_folder_is_refused()
    {
        var (dir, pkg) = await BuildAsync();
        using var _ = dir;
        Directory.CreateDirectory(dir.Combine("x"));

        var act = () => new PackageReader().ExtractAsync(pkg, dir.Combine("x"));

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.InvalidArgument);
    }
}
