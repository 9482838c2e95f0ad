using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;

namespace Deploy.Kubernetes.Connection;

/// <summary>
/// One authenticated connection to a cluster, made by the official client from a <see cref="KubernetesTarget"/>:
/// TLS, client certificates, tokens and exec plugins are the client's. <see cref="Client"/> is the typed client;
/// the SDK's generic operations (apply, discovery, watches) send their requests through the same client.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    private readonly RequestClient client;

    private KubernetesConnection(RequestClient client, string defaultNamespace)
    {
        this.client = client;
        DefaultNamespace = defaultNamespace;
    }

    /// <summary>The typed client of the KubernetesClient package, for anything the SDK does not wrap.</summary>
    public IKubernetes Client => client;

    /// <summary>The namespace for namespaced objects that name none.</summary>
    public string DefaultNamespace { get; }

    /// <summary>The API server's address.</summary>
    public Uri Server => client.BaseUri;

    /// <summary>Connects to a target (reads its kubeconfig; no request is sent yet).</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.KubeConfigInvalid"/>: the file is missing or
    /// malformed, or the context is not in it.</exception>
    public static async Task<KubernetesConnection> ConnectAsync(KubernetesTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        cancellationToken.ThrowIfCancellationRequested();
        KubernetesClientConfiguration config;
        try
        {
            config = await BuildConfigAsync(target).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubeConfigException or FileNotFoundException or YamlDotNet.Core.YamlException or ArgumentException)
        {
            throw new DeployException(DeployErrorCode.KubeConfigInvalid,
                $"Cannot use the kubeconfig{(target.Context is null ? "" : $" context '{target.Context}'")}: {e.Message}", e)
            { Path = target.Kubeconfig };
        }

        return new KubernetesConnection(new RequestClient(config), target.Namespace ?? config.Namespace ?? "default");
    }

    private static async Task<KubernetesClientConfiguration> BuildConfigAsync(KubernetesTarget target)
    {
        if (target.InCluster)
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        if (target.Kubeconfig is null && Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } list)
        {
            if (target.Context is null)
            {
                return KubernetesClientConfiguration.BuildDefaultConfig();   // the client merges the files, first wins
            }

            // With a context: the first of the files that defines it (the client's merge is not public).
            foreach (var file in list.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(File.Exists))
            {
                var candidate = await KubernetesClientConfiguration.LoadKubeConfigAsync(new FileInfo(file)).ConfigureAwait(false);
                if (candidate.Contexts?.Any(c => c.Name == target.Context) == true)
                {
                    return KubernetesClientConfiguration.BuildConfigFromConfigObject(candidate, target.Context);
                }
            }

            throw new KubeConfigException($"context '{target.Context}' not found in the KUBECONFIG files");
        }

        var path = target.Kubeconfig ?? KubernetesClientConfiguration.KubeConfigDefaultLocation;
        if (target.Kubeconfig is null && !File.Exists(path) && KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"kubeconfig file '{path}' does not exist", path);
        }

        var config = await KubernetesClientConfiguration.LoadKubeConfigAsync(new FileInfo(path)).ConfigureAwait(false);
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, target.Context);
    }

    /// <summary>Sends one request and reads the JSON answer; an error status becomes a <see cref="KubernetesApiException"/>.</summary>
    internal async Task<JsonObject> SendAsync(HttpMethod method, string relativeUri, JsonNode? body, string? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, relativeUri, body, contentType, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(text) as JsonObject ?? new JsonObject();
    }

    /// <summary>Sends one request and returns the response as soon as its headers arrived (watches stream the body).</summary>
    internal async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string relativeUri, JsonNode? body, string? contentType, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, new Uri(client.BaseUri, relativeUri));
        var content = "";
        if (body is not null)
        {
            content = body.ToJsonString();
            request.Content = new StringContent(content, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        try
        {
            return await client.SendAsync(content, request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            throw KubernetesApiException.From(e, method, relativeUri);
        }
        catch (HttpRequestException e)
        {
            throw new DeployException(DeployErrorCode.HostUnreachable, $"Cannot reach the API server at {client.BaseUri}: {e.Message}", e)
            { Host = client.BaseUri.Authority };
        }
    }

    /// <inheritdoc />
    public void Dispose() => client.Dispose();

    /// <summary>The official client, with its request path (credentials, TLS server name, error mapping) opened to the SDK.</summary>
    private sealed class RequestClient(KubernetesClientConfiguration config) : k8s.Kubernetes(config)
    {
        public Task<HttpResponseMessage> SendAsync(string content, HttpRequestMessage request, CancellationToken cancellationToken) =>
            SendRequestRaw(content, request, cancellationToken);
    }
}
