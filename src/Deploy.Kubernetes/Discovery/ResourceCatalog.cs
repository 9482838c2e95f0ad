using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Kubernetes.Connection;

namespace Deploy.Kubernetes.Discovery;

/// <summary>
/// Maps apiVersion + kind to the resource that serves it, from discovery (<c>/api/v1</c>, <c>/apis/group/version</c>),
/// fetched once per group-version and cached. A kind the cache lacks is looked up again once (a CRD may have just
/// been applied). This is the one path by which every kind reaches its URL: there is no table of kinds.
/// </summary>
public sealed class ResourceCatalog
{
    private readonly KubernetesConnection connection;
    private readonly ConcurrentDictionary<string, IReadOnlyList<ApiResource>> cache = new(StringComparer.Ordinal);

    /// <summary>A catalog reading discovery through <paramref name="connection"/>.</summary>
    public ResourceCatalog(KubernetesConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        this.connection = connection;
    }

    /// <summary>How many discovery documents were fetched (each group-version once, unless refreshed).</summary>
    public int DiscoveryRequests => discoveryRequests;

    private int discoveryRequests;

    /// <summary>The resource serving <paramref name="apiVersion"/> and <paramref name="kind"/>, or null when the
    /// cluster serves none.</summary>
    public async Task<ApiResource?> TryResolveAsync(string apiVersion, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiVersion);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var found = Find(await GetAsync(apiVersion, refresh: false, cancellationToken).ConfigureAwait(false), kind);
        return found ?? Find(await GetAsync(apiVersion, refresh: true, cancellationToken).ConfigureAwait(false), kind);
    }

    /// <summary>The resource serving <paramref name="apiVersion"/> and <paramref name="kind"/>.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.ResourceUnknown"/>: the cluster serves no such kind.</exception>
    public async Task<ApiResource> ResolveAsync(string apiVersion, string kind, CancellationToken cancellationToken = default) =>
        await TryResolveAsync(apiVersion, kind, cancellationToken).ConfigureAwait(false)
        ?? throw new DeployException(DeployErrorCode.ResourceUnknown,
            $"The cluster at {connection.Server} serves no {kind} in {apiVersion} (discovery does not list it); is its CRD installed, or is the apiVersion wrong?")
        { Path = $"{apiVersion}/{kind}" };

    /// <summary>Forgets a group-version (after applying or deleting a CRD of that group).</summary>
    public void Invalidate(string apiVersion) => cache.TryRemove(apiVersion, out _);

    private static ApiResource? Find(IReadOnlyList<ApiResource> resources, string kind) =>
        resources.FirstOrDefault(r => r.Kind == kind);

    private async Task<IReadOnlyList<ApiResource>> GetAsync(string apiVersion, bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && cache.TryGetValue(apiVersion, out var cached))
        {
            return cached;
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        var path = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
        Interlocked.Increment(ref discoveryRequests);
        JsonObject list;
        try
        {
            list = await connection.SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            list = new JsonObject();
        }

        var resources = (list["resources"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(r => !((string?)r["name"] ?? "/").Contains('/', StringComparison.Ordinal))
            .Select(r => new ApiResource(group, version, (string?)r["kind"] ?? "", (string?)r["name"] ?? "", (bool?)r["namespaced"] ?? false))
            .ToList();
        cache[apiVersion] = resources;
        return resources;
    }
}
