using System.Globalization;
using System.IO.Compression;
using System.Net;
using Deploy.Core.Errors;
using Deploy.Kubernetes.Connection;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Deploy.Kubernetes.Releases;

/// <summary>
/// Numbered release records of one product in Secrets of one namespace (as Helm keeps its releases): record N is
/// gzip-compressed and stored in Secret <c>&lt;product&gt;.release.v&lt;N&gt;</c>, split over
/// <c>...v&lt;N&gt;.part&lt;k&gt;</c> when the compressed record is larger than <see cref="ChunkSize"/> (a Secret holds
/// at most 1 MiB). The record's content (JSON) is the lifecycle's; this store keeps bytes. Parts are written before
/// the head Secret, so a record is visible only once complete.
/// </summary>
public sealed class SecretReleaseStore
{
    /// <summary>The Secret type of release records.</summary>
    public const string SecretType = "deploy-sdk.io/release";

    /// <summary>Bytes of compressed record per Secret (under the 1 MiB limit of a Secret's data).</summary>
    public const int ChunkSize = 1_000_000;

    private const string ProductLabel = "deploy-sdk.io/product";
    private const string RevisionLabel = "deploy-sdk.io/revision";
    private const string PartsAnnotation = "deploy-sdk.io/parts";
    private readonly KubernetesConnection connection;
    private readonly string product;
    private readonly string ns;

    /// <summary>A store for <paramref name="product"/>'s releases in namespace <paramref name="namespace"/>.</summary>
    public SecretReleaseStore(KubernetesConnection connection, string product, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(product);
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        this.connection = connection;
        this.product = product;
        ns = @namespace;
    }

    /// <summary>Writes record <paramref name="revision"/>; a record with that number already there is refused
    /// (<see cref="DeployErrorCode.StateCorrupt"/>): revisions are never overwritten.</summary>
    public async Task WriteAsync(int revision, ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        var compressed = Compress(record);
        var parts = Math.Max(1, (compressed.Length + ChunkSize - 1) / ChunkSize);
        for (var part = parts - 1; part >= 0; part--)
        {
            var chunk = compressed.AsSpan(part * ChunkSize, Math.Min(ChunkSize, compressed.Length - (part * ChunkSize))).ToArray();
            var secret = new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = Name(revision, part), NamespaceProperty = ns,
                    Labels = new Dictionary<string, string> { [ProductLabel] = product, [RevisionLabel] = revision.ToString(CultureInfo.InvariantCulture) },
                    Annotations = part == 0 ? new Dictionary<string, string> { [PartsAnnotation] = parts.ToString(CultureInfo.InvariantCulture) } : null,
                },
                Type = SecretType,
                Data = new Dictionary<string, byte[]> { ["release"] = chunk },
            };
            try
            {
                await connection.Client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                throw new DeployException(DeployErrorCode.StateCorrupt, $"Release {revision} of {product} already exists in namespace {ns} (Secret {Name(revision, part)}); revisions are never overwritten.", e)
                { Path = $"{ns}/{Name(revision, part)}" };
            }
        }
    }

    /// <summary>Reads record <paramref name="revision"/>, or null when there is none.</summary>
    public async Task<byte[]?> ReadAsync(int revision, CancellationToken cancellationToken = default)
    {
        var head = await TryReadAsync(Name(revision, 0), cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return null;
        }

        var parts = int.Parse(head.Metadata.Annotations?[PartsAnnotation] ?? "1", CultureInfo.InvariantCulture);
        using var compressed = new MemoryStream();
        compressed.Write(head.Data["release"]);
        for (var part = 1; part < parts; part++)
        {
            var secret = await TryReadAsync(Name(revision, part), cancellationToken).ConfigureAwait(false)
                ?? throw new DeployException(DeployErrorCode.StateCorrupt, $"Release {revision} of {product} misses part {part} of {parts} (Secret {Name(revision, part)}).") { Path = $"{ns}/{Name(revision, part)}" };
            compressed.Write(secret.Data["release"]);
        }

        compressed.Position = 0;
        await using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var result = new MemoryStream();
        await gzip.CopyToAsync(result, cancellationToken).ConfigureAwait(false);
        return result.ToArray();
    }

    /// <summary>The revisions recorded, ascending (complete records only: those whose head Secret exists).</summary>
    public async Task<IReadOnlyList<int>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = await connection.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: $"{ProductLabel}={product}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items.Where(s => s.Type == SecretType && s.Metadata.Name == Name(Revision(s), 0))
            .Select(Revision).Order().ToList();
    }

    private static int Revision(V1Secret s) =>
        int.TryParse(s.Metadata.Labels is { } labels && labels.TryGetValue(RevisionLabel, out var value) ? value : null, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    private async Task<V1Secret?> TryReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private string Name(int revision, int part) =>
        part == 0 ? $"{product}.release.v{revision}" : $"{product}.release.v{revision}.part{part}";

    private static byte[] Compress(ReadOnlyMemory<byte> record)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(record.Span);
        }

        return output.ToArray();
    }
}
