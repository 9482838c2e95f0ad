using System.Text.Json.Nodes;
using Deploy.Kubernetes.Manifests;
using k8s;
using k8s.Models;

namespace Deploy.Kubernetes.Readiness;

/// <summary>
/// Pure kstatus-like readiness rules: an object's JSON in, its <see cref="ReadinessStatus"/> out. Generic first (being
/// deleted, generation not observed yet), then per kind on the client's typed models: Deployment (updated, available,
/// ready replicas; <c>ProgressDeadlineExceeded</c> fails), StatefulSet (rolling update with partition, <c>OnDelete</c>),
/// DaemonSet, Job (complete or failed), PersistentVolumeClaim (Bound; Lost fails), Pod (crash loop and image pull
/// back-off fail), CustomResourceDefinition (Established). Any other kind is ready once it exists, unless it reports a
/// <c>Ready</c> condition that is not True.
/// </summary>
public static class ReadinessRules
{
    private static readonly HashSet<string> FailingWaitReasons =
        ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"];

    /// <summary>Evaluates one object.</summary>
    public static ReadinessStatus Evaluate(ObjectRef reference, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(obj);
        ReadinessStatus Result(ReadinessState state, string message) => new(reference, state, message);

        if (obj["metadata"]?["deletionTimestamp"] is not null)
        {
            return Result(ReadinessState.InProgress, "being deleted");
        }

        var generation = (long?)obj["metadata"]?["generation"];
        var observed = obj["status"]?["observedGeneration"] is JsonValue v && v.TryGetValue<long>(out var og) ? og : (long?)null;
        if (generation is { } g && observed is { } o && o < g)
        {
            return Result(ReadinessState.InProgress, $"the controller has not observed generation {g} yet (observed {o})");
        }

        var (state, message) = (reference.Group, reference.Kind) switch
        {
            ("apps", "Deployment") => Deployment(KubernetesJson.Deserialize<V1Deployment>(obj), observed),
            ("apps", "StatefulSet") => StatefulSet(KubernetesJson.Deserialize<V1StatefulSet>(obj), observed),
            ("apps", "DaemonSet") => DaemonSet(KubernetesJson.Deserialize<V1DaemonSet>(obj), observed),
            ("batch", "Job") => Job(KubernetesJson.Deserialize<V1Job>(obj)),
            ("", "PersistentVolumeClaim") => Claim(KubernetesJson.Deserialize<V1PersistentVolumeClaim>(obj)),
            ("", "Pod") => Pod(KubernetesJson.Deserialize<V1Pod>(obj)),
            ("apiextensions.k8s.io", "CustomResourceDefinition") => Crd(obj),
            _ => Generic(obj),
        };
        return Result(state, message);
    }

    private static (ReadinessState, string) Deployment(V1Deployment d, long? observed)
    {
        var progressing = d.Status?.Conditions?.FirstOrDefault(c => c.Type == "Progressing");
        if (progressing?.Reason == "ProgressDeadlineExceeded")
        {
            return (ReadinessState.Failed, $"ProgressDeadlineExceeded: {progressing.Message}");
        }

        if (d.Status is null || observed is null)
        {
            return (ReadinessState.InProgress, "no status from the controller yet");
        }

        var want = d.Spec?.Replicas ?? 1;
        var s = d.Status;
        if ((s.UpdatedReplicas ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.UpdatedReplicas ?? 0}/{want} replicas updated");
        }

        if ((s.Replicas ?? 0) > (s.UpdatedReplicas ?? 0))
        {
            return (ReadinessState.InProgress, $"{s.Replicas - s.UpdatedReplicas} old replicas pending termination");
        }

        if ((s.AvailableReplicas ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.AvailableReplicas ?? 0}/{want} replicas available");
        }

        return (s.ReadyReplicas ?? 0) < want
            ? (ReadinessState.InProgress, $"{s.ReadyReplicas ?? 0}/{want} replicas ready")
            : (ReadinessState.Ready, $"{want}/{want} replicas updated, available and ready");
    }

    private static (ReadinessState, string) StatefulSet(V1StatefulSet set, long? observed)
    {
        if (set.Status is null || observed is null)
        {
            return (ReadinessState.InProgress, "no status from the controller yet");
        }

        var want = set.Spec?.Replicas ?? 1;
        var s = set.Status;
        if ((s.ReadyReplicas ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.ReadyReplicas ?? 0}/{want} replicas ready");
        }

        if (set.Spec?.UpdateStrategy?.Type == "OnDelete")
        {
            return (ReadinessState.Ready, $"{want}/{want} replicas ready (OnDelete: pods update when deleted)");
        }

        var partition = set.Spec?.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        if (partition > 0)
        {
            var expected = Math.Max(0, want - partition);
            return (s.UpdatedReplicas ?? 0) < expected
                ? (ReadinessState.InProgress, $"{s.UpdatedReplicas ?? 0}/{expected} replicas above partition {partition} updated")
                : (ReadinessState.Ready, $"{expected} replicas above partition {partition} updated, {want}/{want} ready");
        }

        if ((s.UpdatedReplicas ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.UpdatedReplicas ?? 0}/{want} replicas updated");
        }

        return s.UpdateRevision is { } update && s.CurrentRevision != update
            ? (ReadinessState.InProgress, $"revision {update} not current yet")
            : (ReadinessState.Ready, $"{want}/{want} replicas updated and ready");
    }

    private static (ReadinessState, string) DaemonSet(V1DaemonSet set, long? observed)
    {
        if (set.Status is null || observed is null)
        {
            return (ReadinessState.InProgress, "no status from the controller yet");
        }

        var s = set.Status;
        var want = s.DesiredNumberScheduled;
        if ((s.UpdatedNumberScheduled ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.UpdatedNumberScheduled ?? 0}/{want} nodes updated");
        }

        if ((s.NumberAvailable ?? 0) < want)
        {
            return (ReadinessState.InProgress, $"{s.NumberAvailable ?? 0}/{want} nodes available");
        }

        return s.NumberReady < want
            ? (ReadinessState.InProgress, $"{s.NumberReady}/{want} nodes ready")
            : (ReadinessState.Ready, $"{want}/{want} nodes updated, available and ready");
    }

    private static (ReadinessState, string) Job(V1Job job)
    {
        var conditions = job.Status?.Conditions ?? [];
        if (conditions.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True") is { } failed)
        {
            return (ReadinessState.Failed, $"job failed: {failed.Reason} {failed.Message}".TrimEnd());
        }

        return conditions.Any(c => c.Type == "Complete" && c.Status == "True")
            ? (ReadinessState.Ready, $"job complete ({job.Status?.Succeeded ?? 0} succeeded)")
            : (ReadinessState.InProgress, $"{job.Status?.Active ?? 0} active, {job.Status?.Succeeded ?? 0} succeeded, {job.Status?.Failed ?? 0} failed");
    }

    private static (ReadinessState, string) Claim(V1PersistentVolumeClaim claim) => claim.Status?.Phase switch
    {
        "Bound" => (ReadinessState.Ready, "bound"),
        "Lost" => (ReadinessState.Failed, "its volume is lost"),
        var phase => (ReadinessState.InProgress, $"{phase ?? "Pending"}: not bound yet"),
    };

    private static (ReadinessState, string) Pod(V1Pod pod)
    {
        var statuses = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? []);
        if (statuses.FirstOrDefault(c => c.State?.Waiting?.Reason is { } r && FailingWaitReasons.Contains(r)) is { } failing)
        {
            return (ReadinessState.Failed, $"container {failing.Name}: {failing.State.Waiting.Reason} (restarts {failing.RestartCount})");
        }

        return pod.Status?.Phase switch
        {
            "Succeeded" => (ReadinessState.Ready, "succeeded"),
            "Failed" => (ReadinessState.Failed, $"pod failed: {pod.Status.Reason} {pod.Status.Message}".TrimEnd()),
            _ when pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true => (ReadinessState.Ready, "ready"),
            var phase => (ReadinessState.InProgress, $"{phase ?? "Pending"}: not ready yet"),
        };
    }

    private static (ReadinessState, string) Crd(JsonObject obj) =>
        Condition(obj, "Established") == "True" ? (ReadinessState.Ready, "established") : (ReadinessState.InProgress, "not established yet");

    private static (ReadinessState, string) Generic(JsonObject obj) => Condition(obj, "Ready") switch
    {
        null or "True" => (ReadinessState.Ready, "exists"),
        var status => (ReadinessState.InProgress, $"condition Ready is {status}"),
    };

    private static string? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).FirstOrDefault(c => (string?)c?["type"] == type)?["status"]?.GetValue<string>();
}
