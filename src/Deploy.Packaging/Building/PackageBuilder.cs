using System.IO.Enumeration;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Core.Archives;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Building;

/// <summary>
/// Builds an offline package, the rdb <c>build.py</c> as a library: <c>&lt;package_name&gt;.tar.gz</c> holding one
/// folder <c>&lt;package_name&gt;/</c> with version.json, package.tar.gz (the payload, as given or built from a
/// folder), manifest.json (sha256, size and mode of every file, payload entries included), an optional
/// manifest.sig, and the <c>install</c> launcher.
/// <code>
/// await PackageBuilder.Create("agent_5.7.1.0_centos.x86_64")
///     .WithType(PackageType.InstallRdbAgent).WithOsRelease("bclinux,centos")
///     .WithPayloadDirectory("build/agent").SignWith(key)
///     .BuildToDirectoryAsync("dist", ct);
/// </code>
/// Output is deterministic (sorted entries, fixed mtime/uid/gid, PAX for long and non-ASCII names), streamed
/// (memory does not grow with the payload) and compressed on every core as concatenated gzip members, which any
/// gunzip and <c>tar xzf</c> read.
/// </summary>
public sealed record PackageBuilder
{
    private const int DirMode = 0b111_101_101;
    private const int FileMode = 0b110_100_100;
    private const int ExecMode = 0b111_101_101;

    private PackageBuilder(string packageName)
    {
        VersionInfo.ValidatePackageName(packageName);
        PackageName = packageName;
    }

    /// <summary>The package name.</summary>
    public string PackageName { get; private init; }

    /// <summary>The package type, once set.</summary>
    public PackageType? Type { get; private init; }

    /// <summary>The supported systems, once set.</summary>
    public OsReleaseFilter? OsRelease { get; private init; }

    /// <summary>A version.json to write as is (keeps its comments and key order).</summary>
    public VersionInfo? Version { get; private init; }

    /// <summary>The payload archive (package.tar.gz as given), if any.</summary>
    public string? PayloadArchive { get; private init; }

    /// <summary>The payload folder (packed into package.tar.gz), if any.</summary>
    public string? PayloadDirectory { get; private init; }

    /// <summary>The signing key, if any.</summary>
    public ECDsa? SigningKey { get; private init; }

    /// <summary>Build options.</summary>
    public PackageBuildOptions Options { get; private init; } = new();

    /// <summary>Known package types. <value><see cref="PackageTypeRegistry.Default"/>.</value></summary>
    public PackageTypeRegistry Registry { get; private init; } = PackageTypeRegistry.Default;

    /// <summary>
    /// The payload archive names <see cref="FromDirectoryAsync"/> recognizes: <c>package.tar.gz</c> (used byte for
    /// byte), and <c>package.tar.xz</c>, <c>package.tar.bz2</c>, <c>package.tar.zst</c> (re-compressed to gzip).
    /// </summary>
    public static IReadOnlyList<string> PayloadArchiveNames { get; } = [PackageLayout.PayloadArchive, "package.tar.xz", "package.tar.bz2", "package.tar.zst"];

    /// <summary>Starts a package named <paramref name="packageName"/>.</summary>
    public static PackageBuilder Create(string packageName) => new(packageName);

    /// <summary>
    /// A builder for a build.py-style folder: <c>version.json</c> plus either <c>package.tar.gz</c> or a payload
    /// folder (<c>package/</c> or <c>payload/</c>).
    /// </summary>
    public static async Task<PackageBuilder> FromDirectoryAsync(string directory, PackageTypeRegistry? registry = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Build folder '{directory}' does not exist.") { Path = directory };
        }

        var version = await VersionInfo.LoadAsync(Path.Combine(directory, VersionInfo.FileName), registry, cancellationToken).ConfigureAwait(false);
        var builder = new PackageBuilder(version.PackageName) { Version = version, Registry = registry ?? PackageTypeRegistry.Default };
        var archives = PayloadArchiveNames.Select(a => Path.Combine(directory, a)).Where(File.Exists).ToArray();
        var folders = new[] { "package", "payload" }.Select(f => Path.Combine(directory, f)).Where(Directory.Exists).ToArray();
        if (archives.Length + folders.Length > 1)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"'{directory}' holds more than one payload ({string.Join(", ", archives.Select(Path.GetFileName).Concat(folders.Select(f => Path.GetFileName(f) + "/")))}); keep one.") { Path = directory };
        }

        if (archives.Length == 1)
        {
            return builder.WithPayloadArchive(archives[0]);
        }

        if (folders.Length == 1)
        {
            return builder.WithPayloadDirectory(folders[0]);
        }

        throw new DeployException(DeployErrorCode.InvalidConfiguration, $"'{directory}' has no payload: add {PackageLayout.PayloadArchive} or a package/ folder next to version.json.") { Path = directory };
    }

    /// <summary>Sets <c>package_type</c>.</summary>
    public PackageBuilder WithType(PackageType type) => this with { Type = type, Version = Version is null ? null : Version with { PackageType = type } };

    /// <summary>Sets <c>os_release</c>, e.g. <c>"bclinux,centos"</c>.</summary>
    public PackageBuilder WithOsRelease(string filter)
    {
        var parsed = OsReleaseFilter.Parse(filter);
        return this with { OsRelease = parsed, Version = Version is null ? null : Version with { OsRelease = parsed } };
    }

    /// <summary>Uses <paramref name="version"/> as version.json (its name must match).</summary>
    public PackageBuilder WithVersionInfo(VersionInfo version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return this with { Version = version, PackageName = version.PackageName, Type = version.PackageType, OsRelease = version.OsRelease };
    }

    /// <summary>
    /// Uses an existing payload archive as package.tar.gz: a tar.gz byte for byte; a plain tar as given; a tar.xz,
    /// tar.bz2 or tar.zst (read with SharpCompress) re-compressed to gzip with its tar bytes unchanged.
    /// </summary>
    public PackageBuilder WithPayloadArchive(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return this with { PayloadArchive = path, PayloadDirectory = null };
    }

    /// <summary>Packs a folder into package.tar.gz (deterministically).</summary>
    public PackageBuilder WithPayloadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return this with { PayloadDirectory = directory, PayloadArchive = null };
    }

    /// <summary>Signs the manifest with an ECDSA P-256 private key.</summary>
    public PackageBuilder SignWith(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.KeySize != 256)
        {
            throw new ArgumentException($"Package signing keys must be ECDSA P-256; this one has {key.KeySize} bits.", nameof(key));
        }

        return this with { SigningKey = key };
    }

    /// <summary>Sets build options.</summary>
    public PackageBuilder WithOptions(PackageBuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return this with { Options = options };
    }

    /// <summary>Uses a registry that knows the team's own package types.</summary>
    public PackageBuilder WithRegistry(PackageTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return this with { Registry = registry };
    }

    /// <summary>Writes <c>&lt;package_name&gt;.tar.gz</c> into <paramref name="outputDirectory"/> atomically
    /// (temp file + rename).</summary>
    public async Task<PackageBuildResult> BuildToDirectoryAsync(string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var final = Path.Combine(outputDirectory, PackageLayout.OutputFileName(PackageName));
        var temp = Path.Combine(outputDirectory, "." + PackageLayout.OutputFileName(PackageName) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            PackageBuildResult result;
            var fs = new FileStream(temp, System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: false);
            await using (fs.ConfigureAwait(false))
            {
                var builder = Options.TempDirectory is null ? this with { Options = Options with { TempDirectory = outputDirectory } } : this;
                result = await builder.BuildAsync(fs, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
            return result with { OutputPath = final };
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes the package (a .tar.gz) to <paramref name="output"/>.</summary>
    public async Task<PackageBuildResult> BuildAsync(Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var version = ResolveVersion();
        var definition = Registry.Find(version.PackageType)
            ?? throw new DeployException(DeployErrorCode.UnknownPackageType, $"Package type '{version.PackageType}' is not registered; known: {string.Join(", ", Registry.Types)}.") { Path = "package_type" };
        if (PayloadArchive is null && PayloadDirectory is null)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, "The package has no payload: call WithPayloadArchive or WithPayloadDirectory.") { Path = PackageLayout.PayloadArchive };
        }

        var tempDir = Options.TempDirectory ?? Path.GetTempPath();
        using var compressor = new GzipBlockCompressor(Options.BlockSize, Options.Parallelism);
        string? tempPayload = null;
        try
        {
            Payload payload;
            if (PayloadDirectory is not null)
            {
                tempPayload = Path.Combine(tempDir, "." + PackageName + ".payload-" + Guid.NewGuid().ToString("N")[..12] + ".tar.gz");
                payload = await PackDirectoryAsync(PayloadDirectory, tempPayload, compressor, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var archive = PayloadArchive!;
                var compression = await DetectCompressionAsync(archive, cancellationToken).ConfigureAwait(false);
                if (compression is StreamCompression.Xz or StreamCompression.Bzip2 or StreamCompression.Zstd)
                {
                    // The package always carries package.tar.gz (the launcher extracts it with any tar): an xz, bzip2
                    // or zstd payload is re-compressed, its tar bytes unchanged.
                    tempPayload = Path.Combine(tempDir, "." + PackageName + ".payload-" + Guid.NewGuid().ToString("N")[..12] + ".tar.gz");
                    await TranscodeToGzipAsync(archive, compression, tempPayload, compressor, cancellationToken).ConfigureAwait(false);
                    archive = tempPayload;
                }

                payload = await ScanArchiveAsync(archive, cancellationToken).ConfigureAwait(false);
            }

            var versionBytes = version.ToUtf8Bytes();
            var versionSha = Sha(versionBytes);
            var script = System.Text.Encoding.UTF8.GetBytes(Building.LauncherScript.Generate(version, definition.Strategy.Launcher, payload.Sha256, versionSha));
            var manifest = new PackageManifest(
                PackageName,
                [
                    new ManifestEntry(PackageLayout.Launcher, ManifestEntryKind.File, script.Length, Sha(script), ExecMode),
                    new ManifestEntry(PackageLayout.PayloadArchive, ManifestEntryKind.File, payload.Size, payload.Sha256, FileMode),
                    new ManifestEntry(VersionInfo.FileName, ManifestEntryKind.File, versionBytes.Length, versionSha, FileMode),
                ],
                payload.Entries);
            var manifestBytes = manifest.ToUtf8Bytes();
            var signature = SigningKey is null ? null : PackageSignature.Sign(manifestBytes, SigningKey);

            var hashing = new HashingWriteStream(output, leaveOpen: true);
            var gzip = new ParallelGzipStream(hashing, Options.CompressionLevel, compressor, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                using var tar = new TarStreamWriter(gzip, Options.ModifiedTime.ToUnixTimeSeconds());
                var top = PackageName + "/";
                await tar.WriteDirectoryAsync(top, DirMode, cancellationToken).ConfigureAwait(false);
                await tar.WriteBytesAsync(top + PackageLayout.Launcher, ExecMode, script, cancellationToken).ConfigureAwait(false);
                await tar.WriteBytesAsync(top + PackageManifest.FileName, FileMode, manifestBytes, cancellationToken).ConfigureAwait(false);
                if (signature is not null)
                {
                    await tar.WriteBytesAsync(top + PackageSignature.FileName, FileMode, signature, cancellationToken).ConfigureAwait(false);
                }

                using (var source = File.OpenHandle(payload.Path, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan))
                {
                    // The payload is already compressed: store it (5 bytes per 64 KiB) instead of deflating it again.
                    await gzip.SetStoreAsync(true, cancellationToken).ConfigureAwait(false);
                    var sha = await tar.WriteFileAsync(top + PackageLayout.PayloadArchive, FileMode, source, payload.Size, cancellationToken).ConfigureAwait(false);
                    if (sha != payload.Sha256)
                    {
                        throw new DeployException(DeployErrorCode.InvalidArgument, $"The payload '{payload.Path}' changed while the package was being built.") { Path = payload.Path };
                    }

                    await gzip.SetStoreAsync(false, cancellationToken).ConfigureAwait(false);
                }

                await tar.WriteBytesAsync(top + VersionInfo.FileName, FileMode, versionBytes, cancellationToken).ConfigureAwait(false);
                await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
                await gzip.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return new PackageBuildResult(version, manifest, signature is not null, null, hashing.BytesWritten, hashing.HashHex());
        }
        finally
        {
            if (tempPayload is not null)
            {
                File.Delete(tempPayload);
            }
        }
    }

    private VersionInfo ResolveVersion()
    {
        if (Version is not null)
        {
            return Version with { PackageName = PackageName };
        }

        var type = Type ?? throw new DeployException(DeployErrorCode.InvalidConfiguration, "package_type is not set: call WithType.") { Path = "package_type" };
        var os = OsRelease ?? throw new DeployException(DeployErrorCode.InvalidConfiguration, "os_release is not set: call WithOsRelease.") { Path = "os_release" };
        return new VersionInfo(PackageName, type, os);
    }

    private async Task<Payload> PackDirectoryAsync(string directory, string target, GzipBlockCompressor compressor, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Payload folder '{directory}' does not exist.") { Path = directory };
        }

        var root = Path.GetFullPath(directory);

        // Only the relative path of each entry is kept (not a FileInfo apiece), and its kind comes from one lstat
        // when it is packed: memory per file stays small for payloads of hundreds of thousands of files.
        var items = new FileSystemEnumerable<string>(
                root,
                (ref FileSystemEntry e) => RelativePath(ref e),
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            .ToArray();
        Array.Sort(items, StringComparer.Ordinal);
        var guard = new ArchiveEntryGuard(new ExtractionLimits { MaxTotalBytes = long.MaxValue, MaxEntries = int.MaxValue }, directory, items.Length);
        var entries = new List<ManifestEntry>(items.Length);
        var fs = new FileStream(target, System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, useAsync: false);
        await using (fs.ConfigureAwait(false))
        {
            var hashing = new HashingWriteStream(fs, leaveOpen: true);
            var gzip = new ParallelGzipStream(hashing, Options.CompressionLevel, compressor, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                using var tar = new TarStreamWriter(gzip, Options.ModifiedTime.ToUnixTimeSeconds());
                foreach (var rel in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var full = Path.Combine(root, rel);
                    var kind = FileType.Of(full);
                    if (kind == FileKind.Symlink && new FileInfo(full).LinkTarget is { } link)
                    {
                        guard.Check(new ArchiveItem(rel, ArchiveItemKind.Symlink, 0b111_111_111, 0, link, null));
                        await tar.WriteSymlinkAsync(rel, link, cancellationToken).ConfigureAwait(false);
                        entries.Add(new ManifestEntry(rel, ManifestEntryKind.Symlink, 0, "", 0b111_111_111, link));
                    }
                    else if (kind == FileKind.Directory)
                    {
                        guard.Check(new ArchiveItem(rel, ArchiveItemKind.Directory, DirMode, 0, null, null));
                        await tar.WriteDirectoryAsync(rel, DirMode, cancellationToken).ConfigureAwait(false);
                        entries.Add(new ManifestEntry(rel, ManifestEntryKind.Directory, 0, "", DirMode));
                    }
                    else if (kind == FileKind.Regular)
                    {
                        using (var source = File.OpenHandle(full, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan))
                        {
                            var length = RandomAccess.GetLength(source);
                            var mode = (File.GetUnixFileMode(source) & UnixFileMode.UserExecute) != 0 ? ExecMode : FileMode;
                            guard.Check(new ArchiveItem(rel, ArchiveItemKind.File, mode, length, null, null));
                            var sha = await tar.WriteFileAsync(rel, mode, source, length, cancellationToken).ConfigureAwait(false);
                            entries.Add(new ManifestEntry(rel, ManifestEntryKind.File, length, sha, mode));
                        }
                    }
                    else
                    {
                        throw new DeployException(DeployErrorCode.InvalidArgument, $"'{rel}' in the payload folder is not a regular file, folder or symlink (devices, FIFOs and sockets cannot be packed).") { Path = full };
                    }
                }

                await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
                await gzip.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            await fs.FlushAsync(cancellationToken).ConfigureAwait(false);
            return new Payload(target, hashing.BytesWritten, hashing.HashHex(), entries);
        }
    }

    /// <summary>The entry's path relative to the enumeration root, with <c>/</c> separators, as one string.</summary>
    private static string RelativePath(ref FileSystemEntry e)
    {
        var root = e.RootDirectory;
        var skip = root.EndsWith("/", StringComparison.Ordinal) ? root.Length : root.Length + 1;
        return e.Directory.Length <= root.Length ? e.FileName.ToString() : string.Concat(e.Directory[skip..], "/", e.FileName);
    }

    private async Task<Payload> ScanArchiveAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Payload archive '{path}' does not exist.") { Path = path };
        }

        var fs = new FileStream(path, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        await using (fs.ConfigureAwait(false))
        {
            var hashing = new HashingReadStream(fs);
            var source = await ArchiveSource.OpenStreamAsync(hashing, Path.GetFileName(path), ownsStream: false, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<ManifestEntry> entries;
            await using (source.ConfigureAwait(false))
            {
                entries = await new LayerExtractor(new ExtractionLimits(), Path.GetFileName(path), null, null).RunAsync(source, cancellationToken).ConfigureAwait(false);
            }

            var rest = new byte[1 << 16];
            while (await hashing.ReadAsync(rest, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            return new Payload(path, hashing.BytesRead, hashing.HashHex(), entries);
        }
    }

    private static async Task<StreamCompression> DetectCompressionAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return StreamCompression.None; // the scan reports the missing file
        }

        var head = new byte[Decompression.MagicLength];
        var fs = new FileStream(path, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        await using (fs.ConfigureAwait(false))
        {
            var n = await fs.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return Decompression.Detect(head.AsSpan(0, n));
        }
    }

    private async Task TranscodeToGzipAsync(string source, StreamCompression compression, string destination, GzipBlockCompressor compressor, CancellationToken cancellationToken)
    {
        var input = new FileStream(source, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var plain = Decompression.Open(input, compression);
        await using (plain.ConfigureAwait(false))
        {
            var output = new FileStream(destination, System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            await using (output.ConfigureAwait(false))
            {
                var gzip = new ParallelGzipStream(output, Options.CompressionLevel, compressor, leaveOpen: true);
                await using (gzip.ConfigureAwait(false))
                {
                    try
                    {
                        await plain.CopyToAsync(gzip, 1 << 20, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException e)
                    {
                        throw new DeployException(DeployErrorCode.PackageInvalid, $"The payload archive '{source}' is not a readable {Decompression.Describe(compression)} file: {e.Message}", e) { Path = source };
                    }

                    await gzip.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static string Sha(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private sealed record Payload(string Path, long Size, string Sha256, IReadOnlyList<ManifestEntry> Entries);
}
