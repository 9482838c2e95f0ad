using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Readiness;

/// <summary>
/// Waits for objects to be ready (<see cref="ReadinessRules"/>) with watches, one per resource and namespace: list,
/// then watch from the list's resourceVersion with bookmarks; a dropped watch resumes from the last resourceVersion
/// seen, a 410 Gone relists. Bounded by <see cref="ReadinessOptions.Timeout"/>; reports every change of an object's
/// status as progress; stops at the first failed object.
/// </summary>
public sealed class ReadinessWaiter
{
    private readonly KubernetesConnection connection;
    private readonly ResourceCatalog catalog;

    /// <summary>A waiter on a connection; pass the catalog to share its discovery cache.</summary>
    public ReadinessWaiter(KubernetesConnection connection, ResourceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        this.connection = connection;
        this.catalog = catalog ?? new ResourceCatalog(connection);
    }

    /// <summary>Waits until every object is ready.</summary>
    /// <returns>The final status of every object, in the order given.</returns>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.NotReady"/> when an object failed (its status says
    /// why); <see cref="DeployErrorCode.Timeout"/> when the timeout passed, listing what was not ready and why.</exception>
    public async Task<IReadOnlyList<ReadinessStatus>> WaitAsync(IReadOnlyList<ObjectRef> objects, ReadinessOptions? options = null,
        IProgress<ReadinessStatus>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objects);
        options ??= new ReadinessOptions();
        var latest = new Dictionary<ObjectRef, ReadinessStatus>();
        foreach (var o in objects)
        {
            latest[o] = new ReadinessStatus(o, ReadinessState.InProgress, "not seen yet");
        }

        using var timeout = new CancellationTokenSource(options.Timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        void Record(ReadinessStatus status)
        {
            lock (latest)
            {
                if (latest[status.Object] == status)
                {
                    return;
                }

                latest[status.Object] = status;
            }

            progress?.Report(status);
        }

        try
        {
            var groups = new List<Task>();
            foreach (var group in objects.GroupBy(o => (o.ApiVersion, o.Kind, o.Namespace)))
            {
                var resource = await catalog.ResolveAsync(group.Key.ApiVersion, group.Key.Kind, linked.Token).ConfigureAwait(false);
                groups.Add(WatchGroupAsync(resource, group.Key.Namespace, group.ToList(), Record, linked.Token));
            }

            await Task.WhenAll(groups).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            List<ReadinessStatus> pending;
            lock (latest)
            {
                pending = latest.Values.Where(s => s.State != ReadinessState.Ready).ToList();
            }

            throw new DeployException(DeployErrorCode.Timeout,
                $"Not ready after {options.Timeout}: {string.Join("; ", pending.Select(p => $"{p.Object} ({p.Message})"))}.")
            { Service = pending.FirstOrDefault()?.Object.ToString() };
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
        }

        lock (latest)
        {
            return objects.Select(o => latest[o]).ToList();
        }
    }

    private async Task WatchGroupAsync(ApiResource resource, string? ns, List<ObjectRef> refs, Action<ReadinessStatus> record, CancellationToken ct)
    {
        var byName = refs.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var ready = new HashSet<string>(StringComparer.Ordinal);
        void See(string name, JsonObject? obj)
        {
            if (!byName.TryGetValue(name, out var reference))
            {
                return;
            }

            var status = obj is null
                ? new ReadinessStatus(reference, ReadinessState.InProgress, "not found yet")
                : ReadinessRules.Evaluate(reference, obj);
            record(status);
            if (status.State == ReadinessState.Failed)
            {
                throw new DeployException(DeployErrorCode.NotReady, $"{reference} failed: {status.Message}") { Service = reference.ToString() };
            }

            if (status.State == ReadinessState.Ready)
            {
                ready.Add(name);
            }
            else
            {
                ready.Remove(name);
            }
        }

        string? version = null;
        while (true)
        {
            if (version is null)
            {
                var list = await connection.SendAsync(HttpMethod.Get, resource.PathOf(ns, null), null, null, ct).ConfigureAwait(false);
                var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(i => (string?)i["metadata"]?["name"] ?? "", StringComparer.Ordinal);
                foreach (var name in byName.Keys)
                {
                    See(name, items.GetValueOrDefault(name));
                }

                version = (string?)list["metadata"]?["resourceVersion"];
            }

            if (ready.Count == byName.Count)
            {
                return;
            }

            version = await WatchOnceAsync(resource, ns, version, See, () => ready.Count == byName.Count, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One watch request; returns the resourceVersion to resume from, or null to relist (410 Gone).</summary>
    private async Task<string?> WatchOnceAsync(ApiResource resource, string? ns, string? version, Action<string, JsonObject?> see, Func<bool> done, CancellationToken ct)
    {
        var uri = $"{resource.PathOf(ns, null)}?watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(version ?? "")}";
        HttpResponseMessage response;
        try
        {
            response = await connection.SendRawAsync(HttpMethod.Get, uri, null, null, ct).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Gone)
        {
            return null;
        }

        using (response)
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                var e = JsonNode.Parse(line) as JsonObject;
                var type = (string?)e?["type"];
                var obj = e?["object"] as JsonObject;
                if (type == "ERROR")
                {
                    if ((int?)obj?["code"] == (int)HttpStatusCode.Gone)
                    {
                        return null;
                    }

                    throw KubernetesApiException.FromStatus((HttpStatusCode)((int?)obj?["code"] ?? 500), obj, $"WATCH {resource.PathOf(ns, null)}");
                }

                version = (string?)obj?["metadata"]?["resourceVersion"] ?? version;
                if (type is "ADDED" or "MODIFIED" or "DELETED")
                {
                    see((string?)obj?["metadata"]?["name"] ?? "", type == "DELETED" ? null : obj);
                    if (done())
                    {
                        return version;
                    }
                }
            }
        }

        return version;   // the server ended the watch: resume where it stopped
    }
}
