using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Services;

/// <summary>
/// Services on a systemd host: every service gets a script (as with <see cref="ProcessSupervisor"/>); runtime
/// services also get a unit <c>/etc/systemd/system/deploy-{target}-{component}-runtime-{n}.service</c> and are
/// started and stopped with <c>systemctl</c>. Install, startup and remove services run once, directly.
/// </summary>
public sealed class SystemdServiceManager : IServiceManager
{
    private readonly IHost _host;
    private readonly string _target;
    private readonly ProcessSupervisor _scripts;

    /// <summary>Creates the manager.</summary>
    public SystemdServiceManager(IHost host, string targetName, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(targetName);
        _host = host;
        _target = targetName;
        _scripts = new ProcessSupervisor(host, stateDirectory);
    }

    /// <summary>The directory unit files go to; <value>the default is <c>/etc/systemd/system</c></value>.</summary>
    public string UnitDirectory { get; init; } = "/etc/systemd/system";

    /// <summary>The unit name of a runtime service: only <c>[A-Za-z0-9_-]</c>, plus a short hash when names had to be cleaned.</summary>
    public string UnitName(ServiceRef service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var raw = $"deploy-{_target}-{service.Component}-{service.Id}";
        var clean = new string(raw.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_').ToArray());
        if (clean != raw)
        {
            clean += "-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..8].ToLowerInvariant();
        }

        return clean + ".service";
    }

    /// <summary>The unit file text for a runtime service.</summary>
    public string RenderUnit(ServiceRef service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return string.Create(CultureInfo.InvariantCulture, $"""
            [Unit]
            Description=Deploy SDK {_target}: {service}
            After=network.target

            [Service]
            Type=simple
            ExecStart=/bin/sh {EscapeUnitPath(_scripts.ScriptPath(service))}{WorkingDirectoryLine(service)}
            KillMode=control-group
            Restart=no

            [Install]
            WantedBy=multi-user.target

            """);
    }

    /// <inheritdoc />
    public async Task CreateAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        await _scripts.CreateAsync(service, cancellationToken).ConfigureAwait(false);
        if (service.Service.Kind == ServiceKind.Runtime)
        {
            await _host.WriteAllTextAsync(PosixPath.Combine(UnitDirectory, UnitName(service)), RenderUnit(service), cancellationToken: cancellationToken).ConfigureAwait(false);
            await Systemctl(cancellationToken, "daemon-reload").ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        await _scripts.DeleteAsync(service, cancellationToken).ConfigureAwait(false);
        if (service.Service.Kind == ServiceKind.Runtime)
        {
            await _host.RemoveAsync(PosixPath.Combine(UnitDirectory, UnitName(service)), cancellationToken: cancellationToken).ConfigureAwait(false);
            await Systemctl(cancellationToken, "daemon-reload").ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<CommandResult> RunOnceAsync(ServiceRef service, CancellationToken cancellationToken = default) => _scripts.RunOnceAsync(service, cancellationToken);

    /// <inheritdoc />
    public async Task StartAsync(ServiceRef service, CancellationToken cancellationToken = default)
    {
        var r = await _host.RunAsync(CommandSpec.Of("systemctl", "start", UnitName(service)), cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            throw new DeployException(DeployErrorCode.ServiceFailed, $"systemctl start {UnitName(service)} failed on {_host.Name} (exit {r.ExitCode}): {r.StandardError.Trim()}") { Host = _host.Name, ExitCode = r.ExitCode };
        }
    }

    /// <inheritdoc />
    public Task StopAsync(ServiceRef service, CancellationToken cancellationToken = default) => Systemctl(cancellationToken, "stop", UnitName(service));

    /// <inheritdoc />
    public async Task<bool> IsRunningAsync(ServiceRef service, CancellationToken cancellationToken = default)
        => (await _host.RunAsync(CommandSpec.Of("systemctl", "is-active", "--quiet", UnitName(service)), cancellationToken).ConfigureAwait(false)).Succeeded;

    /// <summary>Picks systemd where it runs as PID 1, the process supervisor otherwise (see <see cref="ServiceManagerSelection"/>).</summary>
    public static Task<IServiceManager> DetectAsync(IHost host, string targetName, string stateDirectory, CancellationToken cancellationToken = default)
        => ServiceManagerSelection.SelectAsync(host, targetName, stateDirectory, ServiceManagerKind.Auto, cancellationToken);

    private static string WorkingDirectoryLine(ServiceRef service)
        => service.Service.WorkingDirectory is { } wd ? "\nWorkingDirectory=" + wd.Replace("%", "%%", StringComparison.Ordinal) : "";

    private static string EscapeUnitPath(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(" ", "\\x20", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal);

    private async Task Systemctl(CancellationToken cancellationToken, params string[] args)
        => await _host.RunAsync(CommandSpec.Of(["systemctl", .. args]), cancellationToken).ThrowOnFailure().ConfigureAwait(false);
}
