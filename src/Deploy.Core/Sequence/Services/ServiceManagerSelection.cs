using Deploy.Core.Hosts;

namespace Deploy.Core.Sequence.Services;

/// <summary>Which service manager an apply uses on a target.</summary>
public enum ServiceManagerKind
{
    /// <summary>Detect: <see cref="SystemdServiceManager"/> where systemd runs as PID 1, <see cref="ProcessSupervisor"/> elsewhere (and always on a rooted <see cref="LocalHost"/>).</summary>
    Auto,

    /// <summary>systemd units for runtime services (<see cref="SystemdServiceManager"/>).</summary>
    Systemd,

    /// <summary>Pid files and logs, no init system needed (<see cref="ProcessSupervisor"/>).</summary>
    ProcessSupervisor,
}

/// <summary>Picks the service manager for a target: systemd where it is PID 1, the process supervisor elsewhere, or an explicit choice.</summary>
public static class ServiceManagerSelection
{
    /// <summary>
    /// The service manager of <paramref name="kind"/> for a target; <see cref="ServiceManagerKind.Auto"/> asks the
    /// host which program is PID 1 (<c>/proc/1/comm</c>, or <c>ps -p 1</c> where there is no /proc).
    /// </summary>
    /// <param name="host">The target host.</param>
    /// <param name="targetName">The target's name (systemd unit names carry it).</param>
    /// <param name="stateDirectory">The target's state directory (scripts, pid files, logs).</param>
    /// <param name="kind">Auto-detect, or the manager to use.</param>
    /// <param name="cancellationToken">Cancels the detection.</param>
    public static async Task<IServiceManager> SelectAsync(IHost host, string targetName, string stateDirectory, ServiceManagerKind kind = ServiceManagerKind.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(targetName);
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        var systemd = kind switch
        {
            ServiceManagerKind.Systemd => true,
            ServiceManagerKind.ProcessSupervisor => false,
            // A sandbox-rooted local host must not install units into the real machine's systemd.
            _ => host is not LocalHost { RootDirectory: not null } && await IsSystemdPid1Async(host, cancellationToken).ConfigureAwait(false),
        };
        return systemd ? new SystemdServiceManager(host, targetName, stateDirectory) : new ProcessSupervisor(host, stateDirectory);
    }

    /// <summary>Whether systemd runs as PID 1 on <paramref name="host"/>.</summary>
    public static async Task<bool> IsSystemdPid1Async(IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var comm = await host.RunAsync(CommandSpec.Of("cat", "/proc/1/comm"), cancellationToken).ConfigureAwait(false);
        if (!comm.Succeeded)
        {
            comm = await host.RunAsync(CommandSpec.Of("ps", "-p", "1", "-o", "comm="), cancellationToken).ConfigureAwait(false);
        }

        return comm.Succeeded && IsSystemd(comm.StandardOutput);
    }

    /// <summary>Whether a PID 1 command name (<c>/proc/1/comm</c> or <c>ps -o comm=</c> output) is systemd.</summary>
    public static bool IsSystemd(string pid1Name)
    {
        ArgumentNullException.ThrowIfNull(pid1Name);
        var name = pid1Name.Trim();
        return name == "systemd" || name.EndsWith("/systemd", StringComparison.Ordinal);
    }
}
