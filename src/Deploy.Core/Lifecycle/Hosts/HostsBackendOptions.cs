using Deploy.Core.Operations.Locking;
using Deploy.Core.Sequence.Services;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>Options of a <see cref="HostsBackend"/>.</summary>
public sealed record HostsBackendOptions
{
    /// <summary>The directory on every host under which each product keeps its lock, journal, secrets, release
    /// records and sequence state (<c>&lt;root&gt;/&lt;product&gt;/...</c>). <value>The default is <c>/var/lib/deploy-lifecycle</c>.</value></summary>
    public string StateRoot { get; init; } = "/var/lib/deploy-lifecycle";

    /// <summary>How services run on the hosts. <value>The default is <see cref="ServiceManagerKind.Auto"/>: systemd where it is PID 1, the process supervisor elsewhere.</value></summary>
    public ServiceManagerKind ServiceManager { get; init; } = ServiceManagerKind.Auto;

    /// <summary>The product lock's heartbeat and takeover settings. <value>The defaults of <see cref="HostLockOptions"/>.</value></summary>
    public HostLockOptions Lock { get; init; } = new();

    /// <summary>The local directory under which each apply stages the services' rendered configs, in a subdirectory of
    /// its own (mode 0700) that the apply removes when it ends, whether it succeeded or not: nothing is left behind
    /// between applies, even by a backend that is never disposed. It is created if missing.
    /// <value>The default is null: the system's temp directory.</value></summary>
    public string? LocalStagingDirectory { get; init; }

    /// <summary>The clock. <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long a hook that ran past its timeout and got TERM may take to end before it is killed (KILL).
    /// <value>The default is 10 seconds.</value></summary>
    public TimeSpan HookKillGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the readiness probe (<see cref="Model.HookKind.Ready"/>) waits after a failed attempt before
    /// the next: the waits start at 50 ms and double up to this. <value>The default is 200 milliseconds.</value></summary>
    public TimeSpan ReadyProbeInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
