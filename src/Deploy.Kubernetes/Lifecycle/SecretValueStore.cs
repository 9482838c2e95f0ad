using System.Net;
using System.Text;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Connection;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The product's generated secrets (<c>{{ secret "name" }}</c>) in one Secret <c>&lt;product&gt;.secrets</c>: made once
/// (<see cref="InMemorySecretStore.Generate"/>), then read back unchanged. Two writers racing are settled by the
/// resourceVersion: the loser re-reads and takes the winner's value.
/// </summary>
internal sealed class SecretValueStore(KubernetesConnection connection, string product, string ns) : ISecretStore
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private string Name => product + ".secrets";

    public async ValueTask<string> GetOrCreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                V1Secret? secret = null;
                try
                {
                    secret = await connection.Client.CoreV1.ReadNamespacedSecretAsync(Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                }

                if (secret?.Data?.TryGetValue(name, out var existing) == true)
                {
                    return Encoding.UTF8.GetString(existing);
                }

                var value = InMemorySecretStore.Generate();
                try
                {
                    if (secret is null)
                    {
                        secret = new V1Secret { Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = ns }, Type = "Opaque", Data = new Dictionary<string, byte[]>() };
                        secret.Data[name] = Encoding.UTF8.GetBytes(value);
                        await connection.Client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        secret.Data ??= new Dictionary<string, byte[]>();
                        secret.Data[name] = Encoding.UTF8.GetBytes(value);
                        await connection.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }

                    return value;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
                {
                    // another writer got there first: read again
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
