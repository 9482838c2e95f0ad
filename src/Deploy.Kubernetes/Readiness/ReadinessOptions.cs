namespace Deploy.Kubernetes.Readiness;

/// <summary>How <see cref="ReadinessWaiter"/> waits.</summary>
public sealed record ReadinessOptions
{
    /// <summary>How long to wait for every object to be ready.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock the timeout runs on.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
