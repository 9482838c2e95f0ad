using Deploy.Core.Hosts;

namespace Deploy.Core.Fleet;

/// <summary>Common fleet operations: run a command everywhere, upload files everywhere.</summary>
public static class HostFleetExtensions
{
    /// <summary>
    /// Runs <paramref name="command"/> on every host. A non-zero exit fails that host
    /// (<see cref="Errors.DeployErrorCode.CommandFailed"/> with the exit code and stderr tail); the result still
    /// holds every host's outcome. The fleet's cancellation token reaches the command, so fail-fast and host
    /// timeouts kill it.
    /// </summary>
    public static Task<FleetResult<CommandResult>> RunCommandAsync(this HostFleet fleet, CommandSpec command, IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(command);
        if (command.StandardInput is not null)
        {
            throw new ArgumentException("A fleet command cannot share one standard input stream between hosts; use a per-host operation with RunAsync.", nameof(command));
        }

        return fleet.RunAsync((host, _, ct) => host.RunAsync(command, ct).ThrowOnFailure(), progress, cancellationToken);
    }

    /// <summary>Uploads the same local files to every host (one bulk transfer per host, see
    /// <see cref="IHost.UploadAsync"/>).</summary>
    public static Task<FleetResult<TransferSummary>> UploadAsync(this HostFleet fleet, IReadOnlyList<FileUpload> files, IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(files);
        return fleet.RunAsync((host, _, ct) => host.UploadAsync(files, null, ct), progress, cancellationToken);
    }
}
