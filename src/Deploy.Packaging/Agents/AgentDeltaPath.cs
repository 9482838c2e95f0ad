using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;
using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The delta path of an update (see <see cref="DeltaRelease"/>): when the entry has a delta from the running version,
/// download and verify it and assemble the new release on the target from the installed one. Anything unusable (a
/// missing base file, a manifest mismatch) falls back to the full package, except a full disk, which stops the run.
/// </summary>
internal sealed class AgentDeltaPath(IHost host, string app, AgentUpdateOptions options, AgentPackageSource source, ILogger logger)
{
    /// <summary>Returns the prepared delta, or why it was not usable (the caller falls back to the full package);
    /// <c>(null, null)</c> when there is no delta to try.</summary>
    public async Task<(PreparedDelta? Delta, string? Fallback)> TryAsync(FeedClient client, FeedEntry entry, AgentState state, string? currentRelease, IReadOnlyList<TrustedKey> trusted, PackageTypeRegistry registry, string work, IProgress<AgentProgress>? progress, CancellationToken cancellationToken)
    {
        if (!options.UseDeltas || entry.DeltaFrom(state.CurrentVersion) is not { } d || currentRelease is not { } release)
        {
            return (null, null);
        }

        try
        {
            progress?.Report(new AgentProgress(AgentPhase.Download, $"downloading the delta {d.File} ({d.Size} bytes, from {d.BaseVersion})"));
            var download = await source.DownloadAsync(client, entry with { File = d.File, Size = d.Size, Sha256 = d.Sha256, Deltas = null }, progress, cancellationToken).ConfigureAwait(false);
            var extracted = await source.ExtractAsync(download, trusted, registry, work + "/delta", cancellationToken).ConfigureAwait(false);
            progress?.Report(new AgentProgress(AgentPhase.Verify, $"assembling {entry.Version} from release {release} and the delta; checking every file against the full manifest"));
            var (package, folder) = await DeltaRelease.AssembleAsync(host, app, release, state.CurrentVersion!, extracted, cancellationToken).ConfigureAwait(false);
            Logging.DeltaUsed(logger, app, d.BaseVersion, entry.Version, d.Size, entry.Size);
            return (new PreparedDelta(package, download, folder, d.BaseVersion), null);
        }
        catch (DeployException e) when (e.Code != DeployErrorCode.NoSpaceLeft && DiskFull.In(e))
        {
            throw new DeployException(DeployErrorCode.NoSpaceLeft, $"No space left on {host.Name} to assemble {entry.Version} from the delta in {app} (the full package would need more): {e.Message}", e) { Host = host.Name, Path = app };
        }
        catch (DeployException e) when (e.Code != DeployErrorCode.NoSpaceLeft)
        {
            Logging.DeltaFallback(logger, app, d.BaseVersion, entry.Version, e.Message);
            progress?.Report(new AgentProgress(AgentPhase.Verify, $"the delta from {d.BaseVersion} was not used ([{e.Code}] {e.Message}); downloading the full package"));
            return (null, $"[{e.Code}] {e.Message}");
        }
    }
}

/// <summary>A new release assembled from a delta: the verified package, its download, the assembled folder on the
/// target, and the version the delta was built against.</summary>
internal sealed record PreparedDelta(VerifiedPackage Package, DownloadResult Download, string Folder, string BaseVersion);
