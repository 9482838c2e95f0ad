using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// A FAKE of the workload controllers: watches the store and moves Deployment, StatefulSet, DaemonSet, Job and Pod
/// status forward to ready as soon as it sees a new generation. Marker annotations make it fail instead:
/// <c>fake.deploy/never-ready</c> (replicas never available), <c>fake.deploy/progress-deadline</c> (Deployment
/// ProgressDeadlineExceeded), <c>fake.deploy/fail</c> (Job failed), <c>fake.deploy/crash-loop</c> (Pod CrashLoopBackOff).
/// Deployments and StatefulSets get pods bound to nodes that match their nodeSelector (<see cref="FakePods"/>); only
/// bound pods count as ready. With a <c>readyDelay</c> the workloads' status is written that long after the change (as pods take time to
/// start). Like an informer, it watches again from the last version it saw when its watch is dropped
/// (<see cref="FakeStore.DropWatches"/>).
/// </summary>
public sealed class FakeController : IAsyncDisposable
{
    public const string NeverReady = "fake.deploy/never-ready";
    public const string ProgressDeadline = "fake.deploy/progress-deadline";
    public const string Fail = "fake.deploy/fail";
    public const string CrashLoop = "fake.deploy/crash-loop";

    private static readonly string[] Kinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"];
    private readonly FakeStore store;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops = [];
    private readonly FakeKubelet kubelet;
    private readonly TimeSpan readyDelay;

    public FakeController(FakeStore store, TimeSpan? readyDelay = null)
    {
        this.store = store;
        this.readyDelay = readyDelay ?? TimeSpan.Zero;
        kubelet = new FakeKubelet(store);
        foreach (var resource in FakeResource.Defaults.Where(r => Kinds.Contains(r.Kind)))
        {
            var watch = store.Watch(resource, null, null);
            loops.Add(Task.Run(() => RunAsync(resource, watch)));
        }
    }

    private async Task RunAsync(FakeResource resource, (IReadOnlyList<FakeWatchEvent> Replay, System.Threading.Channels.ChannelReader<FakeWatchEvent> Live, Action Stop) watch)
    {
        long? seen = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                foreach (var e in watch.Replay)
                {
                    seen = e.ResourceVersion;
                    Reconcile(resource, e);
                }

                await foreach (var e in watch.Live.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    seen = e.ResourceVersion;
                    Reconcile(resource, e);
                }
            }
            catch (OperationCanceledException)
            {
                return;   // disposed
            }
            finally
            {
                watch.Stop();
            }

            // dropped: watch again from the last version seen (everything again if that is compacted away)
            try
            {
                watch = store.Watch(resource, null, seen);
            }
            catch (FakeApiError)
            {
                watch = store.Watch(resource, null, null);
            }
        }
    }

    private void Reconcile(FakeResource resource, FakeWatchEvent e)
    {
        if (e.Resource != resource)   // the store sends every watcher every change
        {
            return;
        }

        if (resource.Kind == "Job" && FakeKubelet.Runs(e.Object))
        {
            if (e.Type == "DELETED")
            {
                kubelet.Stop(e.Object);
            }
            else if (e.Object["status"]?["conditions"] is null)
            {
                kubelet.Start(resource, e.Namespace, e.Object);
            }

            return;
        }

        if (e.Type == "DELETED")
        {
            return;
        }

        var name = (string)e.Object["metadata"]!["name"]!;
        if (readyDelay > TimeSpan.Zero && resource.Kind != "Job")
        {
            _ = LaterAsync(resource, e.Namespace, name);
            return;
        }

        WriteStatus(resource, e.Namespace, name);
    }

    private async Task LaterAsync(FakeResource resource, string ns, string name)
    {
        try
        {
            await Task.Delay(readyDelay, stop.Token).ConfigureAwait(false);
            WriteStatus(resource, ns, name);
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    private void WriteStatus(FakeResource resource, string ns, string name)
    {
        long? bound = resource.Kind is "Deployment" or "StatefulSet" && store.Get(resource, ns, name) is { } workload
            ? FakePods.Reconcile(store, ns, workload)
            : null;

        try
        {
            store.Write(resource, ns, name, false, current =>
            {
                if (current is null || Status(resource.Kind, current, bound ?? long.MaxValue) is not { } status)
                {
                    return null;
                }

                current["status"] = status;
                return (current, null);
            });
        }
        catch (FakeApiError)
        {
            // deleted meanwhile
        }
    }

    /// <summary>The status the controller gives the object, or null when it has nothing to do.</summary>
    private static JsonObject? Status(string kind, JsonObject obj, long bound)
    {
        var generation = (long?)obj["metadata"]?["generation"] ?? 1;
        var observed = obj["status"]?["observedGeneration"] is JsonValue v && v.TryGetValue<long>(out var o) ? o : (long?)null;
        var annotations = obj["metadata"]?["annotations"] as JsonObject;
        bool Marked(string key) => annotations?.ContainsKey(key) == true;
        var replicas = obj["spec"]?["replicas"] is JsonValue r && r.TryGetValue<long>(out var n) ? n : 1;
        switch (kind)
        {
            case "Deployment" when observed != generation:
                var ready = Marked(NeverReady) || Marked(ProgressDeadline) ? 0 : Math.Min(replicas, bound);
                var status = new JsonObject
                {
                    ["observedGeneration"] = generation, ["replicas"] = replicas, ["updatedReplicas"] = replicas,
                    ["availableReplicas"] = ready, ["readyReplicas"] = ready,
                };
                if (Marked(ProgressDeadline))
                {
                    status["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "Progressing", ["status"] = "False", ["reason"] = "ProgressDeadlineExceeded",
                        ["message"] = $"ReplicaSet \"{obj["metadata"]!["name"]}-{generation}\" has timed out progressing.",
                    });
                }

                return status;
            case "StatefulSet" when observed != generation:
                var revision = $"{obj["metadata"]!["name"]}-{generation}";
                var up = Marked(NeverReady) ? 0 : Math.Min(replicas, bound);
                return new JsonObject
                {
                    ["observedGeneration"] = generation, ["replicas"] = replicas, ["readyReplicas"] = up, ["updatedReplicas"] = replicas,
                    ["currentReplicas"] = replicas, ["currentRevision"] = revision, ["updateRevision"] = revision,
                };
            case "DaemonSet" when observed != generation:
                var nodes = Marked(NeverReady) ? 0 : 1;
                return new JsonObject
                {
                    ["observedGeneration"] = generation, ["desiredNumberScheduled"] = 1, ["currentNumberScheduled"] = 1,
                    ["updatedNumberScheduled"] = 1, ["numberAvailable"] = nodes, ["numberReady"] = nodes, ["numberMisscheduled"] = 0,
                };
            case "Job" when (obj["status"] as JsonObject)?.ContainsKey("conditions") != true:
                return Marked(Fail)
                    ? new JsonObject { ["failed"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Failed", ["status"] = "True", ["reason"] = "BackoffLimitExceeded", ["message"] = "Job has reached the specified backoff limit" }) }
                    : new JsonObject { ["succeeded"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Complete", ["status"] = "True" }) };
            case "Pod" when (obj["status"] as JsonObject)?.ContainsKey("phase") != true:
                var container = (string?)obj["spec"]?["containers"]?[0]?["name"] ?? "main";
                return Marked(CrashLoop)
                    ? new JsonObject
                    {
                        ["phase"] = "Running",
                        ["containerStatuses"] = new JsonArray(new JsonObject
                        {
                            ["name"] = container, ["ready"] = false, ["restartCount"] = 5, ["image"] = "", ["imageID"] = "",
                            ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff" } },
                        }),
                    }
                    : new JsonObject { ["phase"] = "Running", ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) };
            default:
                return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        stop.Dispose();
    }
}
