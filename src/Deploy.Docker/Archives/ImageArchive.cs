using System.Formats.Tar;
using System.Text.Json;
using Deploy.Core.Archives;
using Deploy.Core.Errors;
using Deploy.Docker.Images;

namespace Deploy.Docker.Archives;

/// <summary>
/// What a <c>docker save</c> archive (<c>.tar</c>, <c>.tar.gz</c>/<c>.tgz</c>, <c>.tar.xz</c>, <c>.tar.bz2</c>, <c>.tar.zst</c>) holds, read WITHOUT loading it into an
/// engine: one streaming pass over the tar keeps only entry sizes and the small JSON documents. Both the legacy
/// layout (<c>manifest.json</c>/<c>repositories</c>) and the OCI layout (<c>index.json</c>) are understood. A
/// malformed archive gives <see cref="DeployErrorCode.ImageArchiveInvalid"/> with the archive path.
/// </summary>
/// <param name="Path">The archive path.</param>
/// <param name="Compressed">Whether the archive is compressed (see <see cref="Compression"/> for how).</param>
/// <param name="Layout">Which layout described the images.</param>
/// <param name="Images">The images, in archive order.</param>
public sealed record ImageArchive(string Path, bool Compressed, ImageArchiveLayout Layout, IReadOnlyList<ArchivedImage> Images)
{
    private const long MaxDocumentSize = 4 * 1024 * 1024;

    /// <summary>How the archive is compressed: gzip (read by the BCL), or xz, bzip2 or zstd (read by SharpCompress).</summary>
    public StreamCompression Compression { get; init; }

    /// <summary>Every reference in the archive.</summary>
    public IEnumerable<ImageReference> References => Images.SelectMany(i => i.Tags);

    /// <summary>Reads the archive at <paramref name="path"/> (a local file).</summary>
    public static async Task<ImageArchive> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The image archive '{path}' does not exist.", e) { Path = path };
        }

        await using (file.ConfigureAwait(false))
        {
            return await ReadAsync(file, path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads an archive from <paramref name="stream"/>; <paramref name="name"/> is used in results and errors.</summary>
    public static async Task<ImageArchive> ReadAsync(Stream stream, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream, 1 << 16);
        var magic = new byte[Decompression.MagicLength];
        var read = await buffered.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Invalid(name, "the file is empty");
        }

        var compression = Decompression.Detect(magic.AsSpan(0, read));
        var compressed = compression != StreamCompression.None;
        var source = Decompression.Open(new PeekStream(magic.AsMemory(0, read), buffered), compression);

        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            await using var tar = new TarReader(source, leaveOpen: false);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var entryName = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (entry.EntryType is TarEntryType.Directory)
                {
                    continue;
                }

                sizes[entryName] = entry.Length;
                if (entry.DataStream is not null && entry.Length <= MaxDocumentSize && IsDocument(entryName))
                {
                    using var ms = new MemoryStream((int)entry.Length);
                    await entry.DataStream.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
                    documents[entryName] = ms.ToArray();
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or IOException and not FileNotFoundException)
        {
            throw Invalid(name, $"it is not a readable {Decompression.Describe(compression)} archive ({e.Message})", e);
        }

        if (documents.TryGetValue("manifest.json", out var manifest))
        {
            return new ImageArchive(name, compressed, ImageArchiveLayout.DockerLegacy, ReadLegacy(name, manifest, sizes, documents)) { Compression = compression };
        }

        if (documents.TryGetValue("index.json", out var index))
        {
            return new ImageArchive(name, compressed, ImageArchiveLayout.Oci, ReadOci(name, index, sizes, documents)) { Compression = compression };
        }

        throw Invalid(name, "it has neither manifest.json nor index.json; it is not a docker save archive");
    }

    private static bool IsDocument(string name)
        => name is "manifest.json" or "index.json" or "repositories" or "oci-layout"
           || name.EndsWith(".json", StringComparison.Ordinal)
           || name.StartsWith("blobs/", StringComparison.Ordinal);

    private static List<ArchivedImage> ReadLegacy(string name, byte[] manifest, Dictionary<string, long> sizes, Dictionary<string, byte[]> documents)
    {
        List<LegacyManifestEntry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(manifest, ArchiveJsonContext.Default.ListLegacyManifestEntry);
        }
        catch (JsonException e)
        {
            throw Invalid(name, $"manifest.json is not valid JSON ({e.Message})", e);
        }

        if (entries is null || entries.Count == 0)
        {
            throw Invalid(name, "manifest.json lists no image");
        }

        var images = new List<ArchivedImage>();
        foreach (var entry in entries)
        {
            if (string.IsNullOrEmpty(entry.Config) || !documents.ContainsKey(entry.Config))
            {
                throw Invalid(name, $"manifest.json names the config '{entry.Config}', which is not in the archive");
            }

            var layers = entry.Layers ?? [];
            var missing = layers.FirstOrDefault(l => !sizes.ContainsKey(l));
            if (missing is not null)
            {
                throw Invalid(name, $"manifest.json names the layer '{missing}', which is not in the archive");
            }

            var configName = entry.Config;
            var digest = configName.StartsWith("blobs/sha256/", StringComparison.Ordinal)
                ? configName["blobs/sha256/".Length..]
                : System.IO.Path.GetFileNameWithoutExtension(configName);
            var tags = new List<ImageReference>();
            foreach (var tag in entry.RepoTags ?? [])
            {
                if (!ImageReference.TryParse(tag, out var reference))
                {
                    throw Invalid(name, $"manifest.json has the malformed tag '{tag}'");
                }

                tags.Add(reference);
            }

            images.Add(new ArchivedImage(tags, "sha256:" + digest, layers.Count, layers.Sum(l => sizes[l])));
        }

        return images;
    }

    private static List<ArchivedImage> ReadOci(string name, byte[] index, Dictionary<string, long> sizes, Dictionary<string, byte[]> documents)
    {
        var images = new List<ArchivedImage>();
        try
        {
            using var doc = JsonDocument.Parse(index);
            if (!doc.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(name, "index.json has no manifests array");
            }

            foreach (var descriptor in manifests.EnumerateArray())
            {
                var tags = new List<ImageReference>();
                if (descriptor.TryGetProperty("annotations", out var annotations))
                {
                    var full = annotations.TryGetProperty("io.containerd.image.name", out var n) ? n.GetString() : null;
                    var refName = annotations.TryGetProperty("org.opencontainers.image.ref.name", out var r) ? r.GetString() : null;
                    var candidate = full ?? (refName is not null && refName.Contains('/', StringComparison.Ordinal) ? refName : null);
                    if (candidate is not null && ImageReference.TryParse(candidate, out var reference))
                    {
                        tags.Add(reference);
                    }
                }

                var (configDigest, layers) = ResolveManifest(name, Digest(name, descriptor), sizes, documents, 0);
                images.Add(new ArchivedImage(tags, configDigest, layers.Count, layers.Sum(l => sizes[BlobPath(l)])));
            }
        }
        catch (JsonException e)
        {
            throw Invalid(name, $"an OCI document is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw Invalid(name, $"an OCI document has an unexpected shape ({e.Message})", e);
        }

        if (images.Count == 0)
        {
            throw Invalid(name, "index.json lists no image");
        }

        return images;
    }

    private static (string Config, List<string> Layers) ResolveManifest(string name, string digest, Dictionary<string, long> sizes, Dictionary<string, byte[]> documents, int depth)
    {
        if (depth > 4 || !documents.TryGetValue(BlobPath(digest), out var bytes))
        {
            throw Invalid(name, $"the manifest blob {digest} is not in the archive");
        }

        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        if (root.TryGetProperty("manifests", out var nested))
        {
            var first = nested.EnumerateArray().FirstOrDefault();
            if (first.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(name, $"the index blob {digest} lists no manifest");
            }

            return ResolveManifest(name, Digest(name, first), sizes, documents, depth + 1);
        }

        if (!root.TryGetProperty("config", out var config))
        {
            throw Invalid(name, $"the manifest blob {digest} has no config");
        }

        var configDigest = Digest(name, config);
        if (!sizes.ContainsKey(BlobPath(configDigest)))
        {
            throw Invalid(name, $"the config blob {configDigest} is not in the archive");
        }

        var layers = root.TryGetProperty("layers", out var l) ? l.EnumerateArray().Select(x => Digest(name, x)).ToList() : [];
        var missing = layers.FirstOrDefault(x => !sizes.ContainsKey(BlobPath(x)));
        if (missing is not null)
        {
            throw Invalid(name, $"the layer blob {missing} is not in the archive");
        }

        return (configDigest, layers);
    }

    private static string Digest(string name, JsonElement descriptor)
    {
        var digest = descriptor.TryGetProperty("digest", out var d) ? d.GetString() : null;
        if (digest is null || !digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || digest[7..].Any(c => !char.IsAsciiHexDigitLower(c)))
        {
            throw Invalid(name, $"a descriptor has the malformed digest '{digest}'");
        }

        return digest;
    }

    private static string BlobPath(string digest) => "blobs/sha256/" + digest[7..];

    private static DeployException Invalid(string name, string why, Exception? inner = null)
        => new(DeployErrorCode.ImageArchiveInvalid, $"The image archive '{name}' is malformed: {why}. Recreate it with 'docker save' (optionally gzipped).", inner) { Path = name };
}
