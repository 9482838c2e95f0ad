using System.IO.Compression;
using System.Net;
using Deploy.Core.Errors;
using Deploy.Core.Operations.Journaling;
using Deploy.Kubernetes.Connection;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Deploy.Kubernetes.Journaling;

/// <summary>
/// An <see cref="IJournalStore"/> keeping the operation journal in one Secret (gzip JSON under key <c>journal</c>;
/// a Secret because a lifecycle journal's plan may name rendered values). A write is one create or one update of the
/// whole Secret, so readers see the previous journal or this one, never a part; reads go through
/// <see cref="JournalStore.Parse{TPayload}(ReadOnlySpan{byte}, string, string, string)"/> (version and kind checks).
/// Writers hold the operation lock (the Lease), so a write replaces whatever is there.
/// </summary>
public sealed class SecretJournalStore : IJournalStore
{
    /// <summary>The Secret type of journals.</summary>
    public const string SecretType = "deploy-sdk.io/journal";

    /// <summary>The largest compressed journal a Secret holds (its data is limited to 1 MiB).</summary>
    public const int MaxBytes = 1_000_000;

    private readonly KubernetesConnection connection;
    private readonly string ns;
    private readonly string name;

    /// <summary>The journal as Secret <paramref name="name"/> in <paramref name="namespace"/>.</summary>
    public SecretJournalStore(KubernetesConnection connection, string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        this.connection = connection;
        ns = @namespace;
        this.name = name;
    }

    /// <summary>The namespace and the API server, e.g. <c>shop@127.0.0.1:6443</c>.</summary>
    public string Location => $"{ns}@{connection.Server.Authority}";

    /// <summary><c>secrets/&lt;namespace&gt;/&lt;name&gt;</c>.</summary>
    public string Path => $"secrets/{ns}/{name}";

    /// <inheritdoc />
    public async Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var secret = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return null;
        }

        if (secret.Data?.TryGetValue("journal", out var compressed) != true || compressed is null)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The journal {Path} on {Location} has no 'journal' key; it was not written by this SDK. Inspect it; remove it only when you know the interrupted operation's state.") { Host = Location, Path = Path };
        }

        byte[] json;
        try
        {
            json = Decompress(compressed);
        }
        catch (InvalidDataException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The journal {Path} on {Location} is not gzip data: {e.Message}", e) { Host = Location, Path = Path };
        }

        return JournalStore.Parse<TPayload>(json, kind, Location, Path);
    }

    /// <inheritdoc />
    public async Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var data = Compress(JournalStore.Serialize(journal));
        if (data.Length > MaxBytes)
        {
            throw new DeployException(DeployErrorCode.RemoteIoFailed, $"The journal {Path} on {Location} is {data.Length} bytes compressed, more than a Secret holds ({MaxBytes}); run the operation on fewer services at a time.") { Host = Location, Path = Path };
        }

        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Type = SecretType,
            Data = new Dictionary<string, byte[]> { ["journal"] = data },
        };
        try
        {
            await connection.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await connection.Client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await connection.Client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // absent is fine
        }
    }

    private async Task<V1Secret?> TryReadAsync(CancellationToken cancellationToken)
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

    private static byte[] Compress(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(byte[] bytes)
    {
        using var input = new MemoryStream(bytes);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
