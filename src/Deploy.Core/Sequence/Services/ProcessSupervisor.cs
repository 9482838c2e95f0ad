using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Services;

/// <summary>
/// Services without an init system: each service is a script in <c>{stateDirectory}/services/{component}/</c>;
/// runtime services run detached (<c>setsid</c>) with a pid file and a log in <c>{stateDirectory}/run/{component}/</c>;
/// stopping sends SIGTERM to the process group, then SIGKILL after <see cref="StopTimeout"/>. A service runs in its
/// working directory: the scripts that start it (<c>supervisor-start.sh</c>, <c>service-run.sh</c>) get it as a
/// declared path argument, so a rooted <see cref="LocalHost"/> maps it like every other path.
/// </summary>
public sealed class ProcessSupervisor : IServiceManager
{
    private static readonly HostScript StartScript = HostScript.FromResource(typeof(ProcessSupervisor).Assembly, "supervisor-start.sh");
    private static readonly HostScript StopScript = HostScript.FromResource(typeof(ProcessSupervisor).Assembly, "supervisor-stop.sh");
    private static readonly HostScript StatusScript = HostScript.FromResource(typeof(ProcessSupervisor).Assembly, "supervisor-status.sh");
    private static readonly HostScript RunScript = HostScript.FromResource(typeof(ProcessSupervisor).Assembly, "service-run.sh");

    private readonly IHost _host;
    private readonly string _stateDirectory;

    /// <summary>Creates a supervisor keeping its files below <paramref name="stateDirectory"/>.</summary>
    public ProcessSupervisor(IHost host, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(host);
        PosixPath.EnsureAbsolute(stateDirectory);
        _host = host;
        _stateDirectory = stateDirectory;
    }

    /// <summary>How long a runtime service gets to exit after SIGTERM; <value>the default is 5 seconds</value>.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Run every service command and supervisor script through sudo (an SSH user that is not root);
    /// <value>the default is <c>null</c>: as the SSH user</value>.
    /// </summary>
    public SudoOptions? Sudo { get; init; }

    /// <summary>The script path of a service.</summary>
    public string ScriptPath(ServiceRef service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return PosixPath.Combine(_stateDirectory, "services", service.Component, service.Id + ".sh");
    }

    /// <summary>The pid file of a runtime service.</summary>
    public string PidFile(ServiceRef service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return PosixPath.Combine(_stateDirectory, "run", service.Component, service.Id + ".pid");
    }

    /// <summary>The log file of a runtime service (stdout and stderr, appended).</summary>
    public string LogFile(ServiceRef service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return PosixPath.Combine(_stateDirectory, "run", service.Component, service.Id + ".log");
    }

    /// <inheritdoc />
    public Task CreateAsync(ServiceRef service, CancellationToken cancellationToken = default)
        => _host.WriteAllTextAsync(ScriptPath(service), ServiceScript.Render(service), new FileWriteOptions { Mode = (UnixFileMode)0b111_101_101 }, cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(ServiceRef service, CancellationToken cancellationToken = default)
        => _host.RemoveAsync(ScriptPath(service), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<CommandResult> RunOnceAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        // The definition travels with the plan, so a run-once service works even if its script was never created.
        string[] args = service.Service.WorkingDirectory is { } wd ? [ServiceScript.Render(service), wd] : [ServiceScript.Render(service)];
        return RunAsync(RunScript, args, cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public async Task StartAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        // Every path is a declared path argument: a rooted host maps them, the script never sees a sandbox.
        string[] args = service.Service.WorkingDirectory is { } wd
            ? [ScriptPath(service), PidFile(service), LogFile(service), ServiceScript.Render(service), wd]
            : [ScriptPath(service), PidFile(service), LogFile(service), ServiceScript.Render(service)];
        var r = await RunAsync(StartScript, args, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            throw new DeployException(DeployErrorCode.ServiceFailed, $"Could not start {service} on {_host.Name} (exit {r.ExitCode}): {r.StandardError.Trim()}") { Host = _host.Name, ExitCode = r.ExitCode };
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var tries = Math.Max(1, (int)(StopTimeout.TotalMilliseconds / 50));
        await RunAsync(
            StopScript,
            [PidFile(service), tries.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <summary>
    /// <inheritdoc cref="IServiceManager.GetStatusAsync" path="/summary"/> One round trip: the pid file's process,
    /// else the exit code its supervising shell recorded and the last 20 lines of its log.
    /// </summary>
    public async Task<ServiceStatus> GetStatusAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var r = await RunAsync(StatusScript, [PidFile(service), LogFile(service), "20"], cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        var text = r.StandardOutput;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var first = (newline < 0 ? text : text[..newline]).Trim();
        if (first == "running")
        {
            return new ServiceStatus(true, null, "");
        }

        int? code = int.TryParse(first.Replace("exited", "", StringComparison.Ordinal).Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : null;
        return new ServiceStatus(false, code, newline < 0 ? "" : text[(newline + 1)..].TrimEnd());
    }

    private Task<CommandResult> RunAsync(HostScript script, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var command = script.ToCommand(arguments);
        return _host.RunAsync(Sudo is { } sudo ? sudo.Wrap(command) : command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> IsRunningAsync(ServiceRef service, CancellationToken cancellationToken = default)
        => (await _host.FindProcessesAsync(ProcessQuery.ByPidFile(PidFile(service)), cancellationToken).ConfigureAwait(false)).Count > 0;
}
