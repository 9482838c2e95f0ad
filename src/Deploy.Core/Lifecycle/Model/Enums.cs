namespace Deploy.Core.Lifecycle.Model;

/// <summary>What a product service is (<c>kind:</c> in <c>service.yaml</c>).</summary>
public enum ProductServiceKind
{
    /// <summary>An application service: installed by default.</summary>
    App,
    /// <summary>A middleware (database, cache...): installed by default, managed on its own with <c>middleware --action</c>, wiped by <c>reset</c>.</summary>
    Middleware,
    /// <summary>An optional add-on (<c>--third=jaeger,monitor</c>): installed only when asked for.</summary>
    Addon,
}

/// <summary>The lifecycle hooks a service may declare (<c>hooks:</c> in <c>service.yaml</c>).</summary>
public enum HookKind
{
    /// <summary>Runs once after the service's files are placed on a fresh install.</summary>
    Install,
    /// <summary>Runs once after the service's files are replaced by an upgrade.</summary>
    Upgrade,
    /// <summary>The bundled test suite (<c>apptest</c>, <c>--auto-test</c>): exit 0 passes.</summary>
    Test,
    /// <summary>Wipes the service's data and re-runs its initialisation (<c>reset</c>).</summary>
    Reset,
    /// <summary>Runs before the service is removed (<c>delete</c>).</summary>
    Delete,
    /// <summary>
    /// The readiness probe (like a Kubernetes readinessProbe's exec, or a Compose healthcheck): after the service's
    /// processes (re)start on a host, run again and again until it exits 0, within its timeout. Passing ends the start's
    /// settle watch at once (the process must still run then), so a ready service does not wait out the settle period
    /// and its step completes; never passing is <see cref="Errors.DeployErrorCode.NotReady"/>. A process that exits
    /// while the probe still fails is caught as without a probe. Used by the hosts backend; on Kubernetes the
    /// manifests' own readinessProbe serves (the rollout waits for it) and this hook is not run.
    /// </summary>
    Ready,
}

/// <summary>Where a product is installed (<c>target:</c> in <c>product.yaml</c>).</summary>
public enum ProductTargetKind
{
    /// <summary>Linux hosts over SSH (or local), driven by the sequence engine.</summary>
    Hosts,
    /// <summary>A Kubernetes cluster (the services' <c>kubernetes:</c> sections).</summary>
    Kubernetes,
}
