using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Readiness;

/// <summary>Where an object stands, as kstatus puts it.</summary>
public enum ReadinessState
{
    /// <summary>Not there yet: the controller has work to do (or has not looked yet).</summary>
    InProgress,

    /// <summary>Reconciled and ready (kstatus <c>Current</c>).</summary>
    Ready,

    /// <summary>Will not become ready without a change: progress deadline exceeded, job failed, crash loop, lost volume.</summary>
    Failed,
}

/// <summary>The readiness of one object and why.</summary>
/// <param name="Object">The object.</param>
/// <param name="State">Its state.</param>
/// <param name="Message">Why, in a line (<c>2/3 replicas updated</c>, <c>ProgressDeadlineExceeded: ...</c>).</param>
public sealed record ReadinessStatus(ObjectRef Object, ReadinessState State, string Message);
