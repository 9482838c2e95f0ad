using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// The fake's etcd: every object as JSON, one resourceVersion counter, the history of changes watches replay (until
/// <see cref="Compact"/> drops it: older resourceVersions then get 410 Gone), and the live watchers. One lock guards
/// it all; every method returns copies.
/// </summary>
public sealed class FakeStore(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(FakeResource, string Ns, string Name), JsonObject> objects = [];
    private readonly List<FakeWatchEvent> history = [];
    private readonly List<Channel<FakeWatchEvent>> watchers = [];
    private readonly List<FakeResource> resources = [.. FakeResource.Defaults];
    private readonly Dictionary<(string Ns, string Pod), string> logs = [];
    private long resourceVersion = 100;
    private long compactedAt;

    /// <summary>The resources served, custom resources of created CRDs included.</summary>
    public IReadOnlyList<FakeResource> Resources { get { lock (gate) { return [.. resources]; } } }

    /// <summary>How many watches are open.</summary>
    public int Watchers { get { lock (gate) { return watchers.Count; } } }

    /// <summary>The current resourceVersion.</summary>
    public long ResourceVersion { get { lock (gate) { return resourceVersion; } } }

    public JsonObject? Get(FakeResource r, string ns, string name)
    {
        lock (gate)
        {
            return objects.TryGetValue((r, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) List(FakeResource r, string? ns, Func<JsonObject, bool>? filter = null)
    {
        lock (gate)
        {
            var items = objects.Where(kv => kv.Key.Item1 == r && (ns is null || kv.Key.Ns == ns) && (filter?.Invoke(kv.Value) ?? true))
                .OrderBy(kv => kv.Key.Ns, StringComparer.Ordinal).ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
                .Select(kv => (JsonObject)kv.Value.DeepClone()).ToList();
            return (items, resourceVersion);
        }
    }

    /// <summary>Runs <paramref name="change"/> on the current object (null when absent) under the lock; stores what
    /// it returns (null: no change) unless <paramref name="dryRun"/>. The one write path of the fake.</summary>
    public JsonObject Write(FakeResource r, string ns, string name, bool dryRun,
        Func<JsonObject?, (JsonObject Next, List<FakeManager>? Managers)?> change)
    {
        lock (gate)
        {
            objects.TryGetValue((r, ns, name), out var current);
            var outcome = change(current is null ? null : (JsonObject)current.DeepClone());
            if (outcome is not { } o)
            {
                return current is null ? throw FakeApiError.NotFound(r, name) : (JsonObject)current.DeepClone();
            }

            var next = o.Next;
            var now = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var metadata = next["metadata"] as JsonObject ?? new JsonObject();
            next["metadata"] = metadata;
            metadata["name"] = name;
            if (r.Namespaced)
            {
                metadata["namespace"] = ns;
            }

            metadata["uid"] = current?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = current?["metadata"]?["creationTimestamp"]?.DeepClone() ?? now;
            if (current?["metadata"]?["deletionTimestamp"] is { } deleting)
            {
                metadata["deletionTimestamp"] = deleting.DeepClone();
            }

            var generation = (long?)current?["metadata"]?["generation"] ?? 0;
            metadata["generation"] = current is null || SpecChanged(current, next) ? generation + 1 : generation;
            if (current is not null && next["status"] is null && current["status"] is { } status)
            {
                next["status"] = status.DeepClone();
            }

            if (o.Managers is { } managers)
            {
                FakeManagedFields.Write(next, managers, now);
            }

            metadata["resourceVersion"] = current?["metadata"]?["resourceVersion"]?.DeepClone();
            if (current is not null && JsonNode.DeepEquals(Comparable(current), Comparable(next)))
            {
                return (JsonObject)current.DeepClone();   // a no-op write changes nothing, not even the resourceVersion
            }

            if (dryRun)
            {
                // Nothing reaches storage, so nothing gets a new resourceVersion (a create gets none at all).
                return next;
            }

            resourceVersion++;
            metadata["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
            var finalized = metadata["deletionTimestamp"] is not null && (metadata["finalizers"] as JsonArray ?? []).Count == 0;
            if (finalized)
            {
                objects.Remove((r, ns, name));
            }
            else
            {
                objects[(r, ns, name)] = (JsonObject)next.DeepClone();
            }

            Publish(new FakeWatchEvent(finalized ? "DELETED" : current is null ? "ADDED" : "MODIFIED", resourceVersion, r, ns, (JsonObject)next.DeepClone()));
            if (!finalized && r.Kind == "CustomResourceDefinition")
            {
                AddCustomResources(next);
            }

            return next;
        }
    }

    /// <summary>Deletes an object; one with finalizers only gets its deletionTimestamp until they are removed.</summary>
    public JsonObject Delete(FakeResource r, string ns, string name, bool dryRun)
    {
        lock (gate)
        {
            if (!objects.TryGetValue((r, ns, name), out var current))
            {
                throw FakeApiError.NotFound(r, name);
            }

            if (current["metadata"]?["finalizers"] is JsonArray { Count: > 0 })
            {
                return Write(r, ns, name, dryRun, c =>
                {
                    if (c!["metadata"]!["deletionTimestamp"] is not null)
                    {
                        return null;
                    }

                    c["metadata"]!["deletionTimestamp"] = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                    return (c, null);
                });
            }

            if (dryRun)
            {
                return (JsonObject)current.DeepClone();
            }

            objects.Remove((r, ns, name));
            resourceVersion++;
            var gone = (JsonObject)current.DeepClone();
            gone["metadata"]!["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
            Publish(new FakeWatchEvent("DELETED", resourceVersion, r, ns, gone));
            return (JsonObject)gone.DeepClone();
        }
    }

    /// <summary>Starts a watch: the changes after <paramref name="fromVersion"/> (all objects as ADDED when null),
    /// then live ones. A version older than the last compaction is 410 Gone, as etcd's compaction makes it.</summary>
    public (IReadOnlyList<FakeWatchEvent> Replay, ChannelReader<FakeWatchEvent> Live, Action Stop) Watch(FakeResource r, string? ns, long? fromVersion)
    {
        lock (gate)
        {
            if (fromVersion is { } from && from < compactedAt)
            {
                throw new FakeApiError(410, "Expired", $"too old resource version: {from} ({compactedAt})");
            }

            var replay = fromVersion is { } since
                ? history.Where(e => e.ResourceVersion > since && e.Resource == r && (ns is null || e.Namespace == ns)).ToList()
                : objects.Where(kv => kv.Key.Item1 == r && (ns is null || kv.Key.Ns == ns))
                    .Select(kv => new FakeWatchEvent("ADDED", long.Parse((string)kv.Value["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture), r, kv.Key.Ns, (JsonObject)kv.Value.DeepClone()))
                    .OrderBy(e => e.ResourceVersion).ToList();
            var channel = Channel.CreateUnbounded<FakeWatchEvent>();
            watchers.Add(channel);
            return (replay, channel.Reader, () => { lock (gate) { watchers.Remove(channel); } channel.Writer.TryComplete(); });
        }
    }

    /// <summary>Sets a pod's log (what <c>GET pods/{name}/log</c> returns).</summary>
    public void SetLog(string ns, string pod, string text)
    {
        lock (gate)
        {
            logs[(ns, pod)] = text;
        }
    }

    /// <summary>A pod's log; null when its container never wrote one.</summary>
    public string? Log(string ns, string pod)
    {
        lock (gate)
        {
            return logs.TryGetValue((ns, pod), out var text) ? text : null;
        }
    }

    /// <summary>Forgets the history: watches from an older resourceVersion now get 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            compactedAt = resourceVersion;
            history.Clear();
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a dropped connection does.</summary>
    public void DropWatches()
    {
        lock (gate)
        {
            foreach (var w in watchers)
            {
                w.Writer.TryComplete();
            }

            watchers.Clear();
        }
    }

    private void Publish(FakeWatchEvent e)
    {
        history.Add(e);
        foreach (var w in watchers)
        {
            w.Writer.TryWrite(e);
        }
    }

    private void AddCustomResources(JsonObject crd)
    {
        var spec = crd["spec"];
        var group = (string?)spec?["group"] ?? "";
        var kind = (string?)spec?["names"]?["kind"] ?? "";
        var plural = (string?)spec?["names"]?["plural"] ?? "";
        var namespaced = (string?)spec?["scope"] != "Cluster";
        foreach (var version in (spec?["versions"] as JsonArray ?? []).Select(v => (string?)v?["name"]).OfType<string>())
        {
            if (!resources.Any(x => x.Group == group && x.Version == version && x.Plural == plural))
            {
                resources.Add(new FakeResource(group, version, kind, plural, namespaced));
            }
        }
    }

    private static bool SpecChanged(JsonObject a, JsonObject b) =>
        !JsonNode.DeepEquals(WithoutMetaAndStatus(a), WithoutMetaAndStatus(b));

    private static JsonObject WithoutMetaAndStatus(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private static JsonObject Comparable(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        if (copy["metadata"] is JsonObject m && m["managedFields"] is JsonArray fields)
        {
            foreach (var f in fields.OfType<JsonObject>())
            {
                f.Remove("time");
            }
        }

        return copy;
    }
}
