using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Services;

/// <summary>
/// Creates, runs, starts and stops a component's services on a target. <see cref="ProcessSupervisor"/> works on
/// any POSIX host (pid files and logs; no init system needed); <see cref="SystemdServiceManager"/> uses systemd
/// units for runtime services. Install, startup and remove services are run-once commands with an exit code and
/// captured output; runtime services are long-running processes.
/// </summary>
public interface IServiceManager
{
    /// <summary>Creates the service's definition on the target (a script; for systemd also a unit).</summary>
    Task CreateAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>Deletes the service's definition (absent is fine).</summary>
    Task DeleteAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>Runs an install, startup or remove service to completion.</summary>
    Task<CommandResult> RunOnceAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>Starts a runtime service (already running: nothing happens). Throws
    /// <see cref="Errors.DeployErrorCode.ServiceFailed"/> when it cannot start.</summary>
    Task StartAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>Stops a runtime service (not running: nothing happens).</summary>
    Task StopAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>Whether a runtime service is running.</summary>
    Task<bool> IsRunningAsync(ServiceRef service, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether a runtime service runs and, when it does not, how it ended (exit code, the tail of its log) as far as
    /// the manager knows. The default asks <see cref="IsRunningAsync"/> only.
    /// </summary>
    async Task<ServiceStatus> GetStatusAsync(ServiceRef service, CancellationToken cancellationToken = default)
        => new(await IsRunningAsync(service, cancellationToken).ConfigureAwait(false), null, "");
}

/// <summary>What <see cref="IServiceManager.GetStatusAsync"/> found.</summary>
/// <param name="Running">Whether the service runs.</param>
/// <param name="ExitCode">How it exited, when it does not run and the manager knows.</param>
/// <param name="LogTail">The last lines of its log (empty when unknown).</param>
public sealed record ServiceStatus(bool Running, int? ExitCode, string LogTail);
