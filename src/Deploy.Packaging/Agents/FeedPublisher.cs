using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Publishes packages into a feed: a plain directory (serve it with any HTTP server) holding
/// <c>packages/</c>, the signed <c>index.json</c> + <c>index.sig</c>, and key announcements under <c>keys/</c>.
/// Every publish (and <see cref="ResignAsync"/>) writes the index with the next serial and a fresh expiry.
/// </summary>
public sealed class FeedPublisher
{
    private readonly FeedPublishOptions _options;
    private readonly LocalHost _files = new();

    /// <summary>Creates a publisher for the feed at <see cref="FeedPublishOptions.FeedDirectory"/>.</summary>
    public FeedPublisher(FeedPublishOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.FeedDirectory);
        ArgumentNullException.ThrowIfNull(options.SigningKey);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Deltas);
        if (options.Validity <= TimeSpan.Zero)
        {
            throw new ArgumentException("The index validity must be positive.", nameof(options));
        }

        _options = options with { FeedDirectory = Path.GetFullPath(options.FeedDirectory) };
    }

    /// <summary>Adds (or replaces) <paramref name="version"/> in <paramref name="channel"/> and re-signs the index.</summary>
    /// <param name="packagePath">A package built by <see cref="Building.PackageBuilder"/>; it is verified first.</param>
    /// <param name="version">Its application version (SemVer 2).</param>
    /// <param name="channel">Its channel. <value>The default is <c>stable</c>.</value></param>
    /// <param name="minimumFrom">The oldest installed version that may upgrade straight to it; <c>null</c> for any.</param>
    /// <param name="cancellationToken">Cancels the publish (the old index stays).</param>
    /// <returns>The new index.</returns>
    public async Task<FeedIndex> PublishAsync(string packagePath, string version, string channel = "stable", string? minimumFrom = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagePath);
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var semver = FeedVersions.Parse(version, "version");
        if (minimumFrom is not null)
        {
            _ = FeedVersions.Parse(minimumFrom, "minimum_from");
        }

        if (!File.Exists(packagePath))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Package '{packagePath}' does not exist.") { Path = packagePath };
        }

        var package = await new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Permissive }).VerifyAsync(packagePath, cancellationToken).ConfigureAwait(false);
        var name = package.Version.PackageName + "-" + semver + Extension(packagePath);
        var relative = "packages/" + name;
        if (!FeedIndex.IsSafeRelativePath(relative))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The feed file name '{relative}' has characters outside [A-Za-z0-9._+-].") { Path = relative };
        }

        var target = Path.Combine(_options.FeedDirectory, "packages", name);
        byte[] hash;
        long size;
        await using (var source = File.OpenRead(packagePath))
        {
            hash = await SHA256.HashDataAsync(source, cancellationToken).ConfigureAwait(false);
            size = source.Length;
            source.Position = 0;
            await _files.WriteFileAsync(target, source, null, cancellationToken).ConfigureAwait(false);
        }

        var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var entry = new FeedEntry(semver.ToString(), channel, relative, size, Convert.ToHexString(hash).ToLowerInvariant(), minimumFrom);
        entry = entry with { Deltas = await DeltasAsync(current, entry, target, package.Version.PackageName, cancellationToken).ConfigureAwait(false) };
        var packages = (current?.Packages ?? []).Where(p => !(p.Channel == channel && p.SemanticVersion.ComparePrecedenceTo(semver) == 0)).Append(entry).ToArray();
        return await WriteIndexAsync(current, packages, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the deltas of <paramref name="entry"/> from the last <see cref="FeedPublishOptions.Deltas"/> older
    /// versions of its channel whose full package is in the feed (see <see cref="FeedDelta"/>).</summary>
    private async Task<IReadOnlyList<FeedDelta>?> DeltasAsync(FeedIndex? current, FeedEntry entry, string targetPath, string packageName, CancellationToken cancellationToken)
    {
        var bases = (current?.Packages ?? [])
            .Where(p => p.Channel == entry.Channel && p.SemanticVersion.ComparePrecedenceTo(entry.SemanticVersion) < 0)
            .Where(p => File.Exists(Path.Combine(_options.FeedDirectory, p.File)))
            .OrderByDescending(p => p.SemanticVersion, Semver.SemVersion.PrecedenceComparer)
            .Take(_options.Deltas)
            .ToArray();
        if (bases.Length == 0)
        {
            return null;
        }

        var deltas = new List<FeedDelta>();
        foreach (var b in bases)
        {
            var work = Path.Combine(Path.GetTempPath(), "deploy-delta-" + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                var built = await DeltaPackage.BuildAsync(Path.Combine(_options.FeedDirectory, b.File), b.Version, targetPath, entry.Version, _options.SigningKey, work, cancellationToken).ConfigureAwait(false);
                var relative = $"packages/{packageName}-{entry.Version}.from-{b.Version}.tar.gz";
                if (!FeedIndex.IsSafeRelativePath(relative))
                {
                    continue;
                }

                byte[] hash;
                long size;
                await using (var source = File.OpenRead(built))
                {
                    hash = await SHA256.HashDataAsync(source, cancellationToken).ConfigureAwait(false);
                    size = source.Length;
                    source.Position = 0;
                    await _files.WriteFileAsync(Path.Combine(_options.FeedDirectory, relative), source, null, cancellationToken).ConfigureAwait(false);
                }

                deltas.Add(new FeedDelta(b.Version, relative, size, Convert.ToHexString(hash).ToLowerInvariant()));
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }

        return deltas;
    }

    /// <summary>Re-signs the index with the next serial and a fresh expiry (run it periodically: an index that is not
    /// re-signed before it expires freezes the agents).</summary>
    public async Task<FeedIndex> ResignAsync(CancellationToken cancellationToken = default)
    {
        var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return await WriteIndexAsync(current, current?.Packages ?? [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Announces <paramref name="newKey"/> signed by this publisher's key; sign later indexes with the new key
    /// (a publisher created with it). <paramref name="retireOld"/> makes agents stop trusting the old key.</summary>
    public async Task<KeyAnnouncement> AnnounceKeyAsync(ECDsa newKey, bool retireOld = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newKey);
        var (document, signature) = KeyAnnouncement.Create(_options.SigningKey, newKey, retireOld, _options.TimeProvider.GetUtcNow());
        var id = TrustedKey.FromKey(newKey).KeyId;
        await WriteAsync(KeyAnnouncement.SignaturePathOf(id), signature, cancellationToken).ConfigureAwait(false);
        await WriteAsync(KeyAnnouncement.PathOf(id), document, cancellationToken).ConfigureAwait(false);
        return AgentJson.Parse<KeyAnnouncement>(document, KeyAnnouncement.PathOf(id));
    }

    /// <summary>The current index (not verified), or <c>null</c> for a new feed.</summary>
    public async Task<FeedIndex?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(_options.FeedDirectory, FeedIndex.FileName);
        return File.Exists(path) ? FeedIndex.Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) : null;
    }

    private async Task<FeedIndex> WriteIndexAsync(FeedIndex? current, IReadOnlyList<FeedEntry> packages, CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        var index = new FeedIndex((current?.Serial ?? 0) + 1, now, now + _options.Validity, packages);
        var bytes = index.ToUtf8Bytes();
        // The signature goes first: an agent reading between the two writes sees a mismatch and retries next run,
        // never a new index with no signature.
        await WriteAsync(FeedIndex.SignatureFileName, PackageSignature.Sign(bytes, _options.SigningKey), cancellationToken).ConfigureAwait(false);
        await WriteAsync(FeedIndex.FileName, bytes, cancellationToken).ConfigureAwait(false);
        return index;
    }

    private async Task WriteAsync(string relative, byte[] bytes, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream(bytes);
        await _files.WriteFileAsync(Path.Combine(_options.FeedDirectory, relative), ms, null, cancellationToken).ConfigureAwait(false);
    }

    private static string Extension(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var ext in (string[])[".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tar", ".zip"])
        {
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return ext;
            }
        }

        return Path.GetExtension(name);
    }
}

/// <summary>Options of a <see cref="FeedPublisher"/>.</summary>
public sealed record FeedPublishOptions
{
    /// <summary>The feed's root directory (created when missing).</summary>
    public required string FeedDirectory { get; init; }

    /// <summary>The ECDSA P-256 key that signs the index (and announces a successor key).</summary>
    public required ECDsa SigningKey { get; init; }

    /// <summary>How many earlier versions of the channel each published version gets a delta package from (0: none).
    /// <value>The default is 3.</value></summary>
    public int Deltas { get; init; } = 3;

    /// <summary>How long a signed index is believed by agents. <value>The default is 7 days.</value></summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The clock (issue and expiry times). <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
