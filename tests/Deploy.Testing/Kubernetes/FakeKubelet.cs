using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// A FAKE kubelet for Jobs whose container has a <c>command</c>: it creates the Job's pod (label <c>job-name</c>, as
/// the Job controller does) and runs the command on THIS machine (<c>command</c> + <c>args</c>, in a temp directory;
/// the "image" is the local system), keeps its output as the pod's log (<c>GET pods/{name}/log</c>), and writes the
/// container's exit code into the pod status and Complete / Failed into the Job status. A Job past its
/// <c>activeDeadlineSeconds</c> is killed and Failed with reason DeadlineExceeded; a deleted Job's command is killed.
/// Jobs without a command keep the controller's instant status. ConfigMap volumes are mounted at their
/// <c>mountPath</c> as a kubelet would, in a mount namespace of the command's own (<c>unshare -m</c>; the mount
/// point's nearest existing parent is overlaid on a tmpfs, so nothing is created on this machine): needs root.
/// </summary>
public sealed class FakeKubelet(FakeStore store)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> running = new(StringComparer.Ordinal);
    private static readonly FakeResource Pods = FakeResource.Defaults.Single(r => r.Kind == "Pod");
    private static readonly FakeResource ConfigMaps = FakeResource.Defaults.Single(r => r.Kind == "ConfigMap");

    // $1.. = pairs of (mountPath, source dir) then "--" then the command. Private mounts; each mount point's nearest
    // existing parent gets an overlay whose upper layer is on a tmpfs, so the mkdir of the mount point stays inside.
    private const string MountScript = """
        set -e
        mount --make-rprivate /
        mount -t tmpfs fake-kubelet "$FAKE_KUBELET_LAYERS"
        i=0
        while [ "$1" != "--" ]; do
          mp=$1; src=$2; shift 2; i=$((i+1))
          if [ ! -d "$mp" ]; then
            parent=$(dirname "$mp"); while [ ! -d "$parent" ]; do parent=$(dirname "$parent"); done
            mkdir "$FAKE_KUBELET_LAYERS/u$i" "$FAKE_KUBELET_LAYERS/w$i"
            mount -t overlay overlay -o "lowerdir=$parent,upperdir=$FAKE_KUBELET_LAYERS/u$i,workdir=$FAKE_KUBELET_LAYERS/w$i" "$parent"
            mkdir -p "$mp"
          fi
          mount --bind -o ro "$src" "$mp"
        done
        shift
        exec "$@"
        """;

    public static bool Runs(JsonObject job) => job["spec"]?["template"]?["spec"]?["containers"]?[0]?["command"] is JsonArray;

    public void Start(FakeResource jobs, string ns, JsonObject job)
    {
        var uid = (string)job["metadata"]!["uid"]!;
        var stop = new CancellationTokenSource();
        if (!running.TryAdd(uid, stop))
        {
            stop.Dispose();
            return;
        }

        var name = (string)job["metadata"]!["name"]!;
        var podName = $"{name}-{Guid.NewGuid().ToString("N")[..5]}";
        var template = job["spec"]!["template"]!;
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels["job-name"] = name;
        labels["controller-uid"] = uid;
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = podName, ["namespace"] = ns, ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["name"] = name, ["uid"] = uid, ["controller"] = true }),
            },
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = "Running" },
        };
        store.Write(Pods, ns, podName, false, _ => (pod, null));
        var container = (JsonObject)template["spec"]!["containers"]![0]!;
        var argv = (container["command"] as JsonArray ?? []).Concat(container["args"] as JsonArray ?? []).Select(a => (string)a!).ToList();
        var deadline = job["spec"]?["activeDeadlineSeconds"] is JsonValue d && d.TryGetValue<long>(out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(10);
        var volumes = ConfigMapVolumes(ns, (JsonObject)template["spec"]!, container);
        _ = Task.Run(() => RunAsync(jobs, ns, name, podName, (string?)container["name"] ?? "main", argv, volumes, deadline, stop.Token));
    }

    public void Stop(JsonObject job)
    {
        if (job["metadata"]?["uid"] is JsonValue uid && running.TryGetValue((string)uid!, out var stop))
        {
            stop.Cancel();
        }
    }

    /// <summary>The container's ConfigMap volume mounts: mount path and the ConfigMap's data (empty when it is missing,
    /// as an optional volume would be).</summary>
    private List<(string MountPath, Dictionary<string, string> Files)> ConfigMapVolumes(string ns, JsonObject podSpec, JsonObject container)
    {
        var result = new List<(string, Dictionary<string, string>)>();
        foreach (var mount in (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var volume = (podSpec["volumes"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(v => (string?)v["name"] == (string?)mount["name"]);
            if (volume?["configMap"]?["name"] is JsonValue cm && (string?)mount["mountPath"] is { } path)
            {
                var data = store.Get(ConfigMaps, ns, (string)cm!)?["data"] as JsonObject ?? new JsonObject();
                result.Add((path, data.ToDictionary(kv => kv.Key, kv => (string?)kv.Value ?? "", StringComparer.Ordinal)));
            }
        }

        return result;
    }

    private async Task RunAsync(FakeResource jobs, string ns, string job, string pod, string container, List<string> argv,
        List<(string MountPath, Dictionary<string, string> Files)> volumes, TimeSpan deadline, CancellationToken stopped)
    {
        var log = new StringBuilder();
        var dir = Directory.CreateTempSubdirectory("fake-kubelet-");
        if (volumes.Count > 0)
        {
            var wrapped = new List<string> { "unshare", "-m", "--", "sh", "-c", MountScript, "fake-kubelet" };
            for (var i = 0; i < volumes.Count; i++)
            {
                var source = Directory.CreateDirectory(Path.Combine(dir.FullName, "volumes", i.ToString(CultureInfo.InvariantCulture)));
                foreach (var (key, text) in volumes[i].Files)
                {
                    await File.WriteAllTextAsync(Path.Combine(source.FullName, key), text, CancellationToken.None).ConfigureAwait(false);
                }

                wrapped.AddRange([volumes[i].MountPath, source.FullName]);
            }

            Directory.CreateDirectory(Path.Combine(dir.FullName, "layers"));
            argv = [.. wrapped, "--", .. argv];
        }

        var start = new ProcessStartInfo(argv[0]) { WorkingDirectory = dir.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["FAKE_KUBELET_LAYERS"] = Path.Combine(dir.FullName, "layers");
        argv.Skip(1).ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.Append(line).Append('\n');
                    store.SetLog(ns, pod, log.ToString());
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopped);
        limit.CancelAfter(deadline);
        var killed = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            killed = true;
        }

        dir.Delete(recursive: true);
        var exit = killed ? 137 : process.ExitCode;
        try
        {
            store.Write(Pods, ns, pod, false, p => p is null ? null : (Terminated(p, container, exit), null));
            if (stopped.IsCancellationRequested)
            {
                return;   // the Job was deleted
            }

            store.Write(jobs, ns, job, false, j =>
            {
                if (j is null)
                {
                    return null;
                }

                j["status"] = exit == 0
                    ? new JsonObject { ["succeeded"] = 1, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Complete", ["status"] = "True" }) }
                    : new JsonObject
                    {
                        ["failed"] = 1,
                        ["conditions"] = new JsonArray(killed
                            ? new JsonObject { ["type"] = "Failed", ["status"] = "True", ["reason"] = "DeadlineExceeded", ["message"] = "Job was active longer than specified deadline" }
                            : new JsonObject { ["type"] = "Failed", ["status"] = "True", ["reason"] = "BackoffLimitExceeded", ["message"] = "Job has reached the specified backoff limit" }),
                    };
                return (j, null);
            });
        }
        catch (FakeApiError)
        {
            // deleted meanwhile
        }
    }

    private static JsonObject Terminated(JsonObject pod, string container, int exit)
    {
        pod["status"] = new JsonObject
        {
            ["phase"] = exit == 0 ? "Succeeded" : "Failed",
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = container, ["ready"] = false, ["restartCount"] = 0, ["image"] = "", ["imageID"] = "",
                ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exit, ["reason"] = exit == 0 ? "Completed" : "Error" } },
            }),
        };
        return pod;
    }
}
