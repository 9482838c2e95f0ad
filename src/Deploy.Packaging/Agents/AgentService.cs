using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Packaging.Installing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The agent as a runtime service of the process supervisor (<see cref="ProcessSupervisor"/>, for hosts without
/// systemd): the update restarts it by stopping the supervised process group, rewriting its script and starting it
/// detached in <c>current</c>, so nothing but <c>/bin/sh</c> and <c>setsid</c> is needed on the host. Set it as
/// <see cref="AgentUpdateOptions.Service"/>; it takes the place of <see cref="AgentUpdateOptions.RestartCommand"/>.
/// </summary>
/// <param name="Command">The service's shell command, run in the app's <c>current</c> release (e.g.
/// <c>exec venv/bin/mega-agent --port 8080</c>).</param>
public sealed record AgentService(string Command)
{
    /// <summary>The service's component name (its script, pid and log file names).
    /// <value>The default is <c>agent</c>.</value></summary>
    public string Name { get; init; } = "agent";

    /// <summary>Where the supervisor keeps the service's script, pid file and log on the host.
    /// <value>The default is <c>null</c>: <c>&lt;app&gt;/.deploy/supervisor</c>.</value></summary>
    public string? StateDirectory { get; init; }

    /// <summary>Stops the running process (its whole group), then starts the service from <c>current</c>.</summary>
    internal async Task RestartAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var (supervisor, service) = Supervised(context);
        await supervisor.StopAsync(service, cancellationToken).ConfigureAwait(false);
        await supervisor.CreateAsync(service, cancellationToken).ConfigureAwait(false);
        await supervisor.StartAsync(service, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the running process (its whole group).</summary>
    internal Task StopAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var (supervisor, service) = Supervised(context);
        return supervisor.StopAsync(service, cancellationToken);
    }

    /// <summary>Whether the supervised process runs; when not, its exit code and the end of its log. The health check
    /// asks this while it waits, so an agent that exits at start fails at once, with its reason, not at the window's end.</summary>
    internal Task<ServiceStatus> StatusAsync(IHost host, string app, CancellationToken cancellationToken)
    {
        var (supervisor, service) = Supervised(host, app);
        return supervisor.GetStatusAsync(service, cancellationToken);
    }

    private (ProcessSupervisor Supervisor, ServiceRef Service) Supervised(InstallContext context) => Supervised(context.Host, context.InstallRoot);

    private (ProcessSupervisor Supervisor, ServiceRef Service) Supervised(IHost host, string app)
        => (new ProcessSupervisor(host, StateDirectory ?? app + "/.deploy/supervisor"),
            new ServiceRef(Name, new Service(ServiceKind.Runtime, Command) { WorkingDirectory = app + "/current" }, 0));
}
