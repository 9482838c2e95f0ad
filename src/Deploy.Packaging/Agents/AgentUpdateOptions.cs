using Deploy.Core.Operations.Running;
using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>Options of an <see cref="AgentUpdater"/>: which feed, which app, which keys, how to restart and check it.</summary>
public sealed record AgentUpdateOptions
{
    /// <summary>The feed's root URL (a directory written by <see cref="FeedPublisher"/> behind any HTTP server).</summary>
    public required Uri Feed { get; init; }

    /// <summary>The app's install root: holds <c>current</c> (symlink), <c>releases/</c> and <c>.deploy/</c>. Its parent
    /// must exist.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The keys trusted to sign the index and the packages (rotations add to them, see <see cref="KeyAnnouncement"/>).</summary>
    public required IReadOnlyList<TrustedKey> TrustedKeys { get; init; }

    /// <summary>The channel followed. <value>The default is <c>stable</c>.</value></summary>
    public string Channel { get; init; } = "stable";

    /// <summary>The version to install (push mode, <c>--version</c>); <c>null</c> for the newest eligible one.
    /// <value>The default is <c>null</c>.</value></summary>
    public string? TargetVersion { get; init; }

    /// <summary>The package type the feed's packages carry. <value><see cref="PackageType.InstallUpdateAgent"/>.</value></summary>
    public PackageType PackageType { get; init; } = PackageType.InstallUpdateAgent;

    /// <summary>The command (argv, run in <c>current</c>) that restarts the app, e.g. <c>systemctl restart app</c> or
    /// <c>deploy service restart</c>; <c>null</c> runs the release's <c>tools/restart</c> when it has one.
    /// <value>The default is <c>null</c>.</value></summary>
    public IReadOnlyList<string>? RestartCommand { get; init; }

    /// <summary>The agent as a service of the process supervisor, which restarts it (in place of
    /// <see cref="RestartCommand"/>). <value>The default is <c>null</c>.</value></summary>
    public AgentService? Service { get; init; }

    /// <summary>The health check that commits the update; <c>null</c> commits once the restart succeeded.
    /// <value>The default is <c>null</c>.</value></summary>
    public AgentHealthCheck? HealthCheck { get; init; }

    /// <summary>The busy hook (argv, run in <c>current</c>): a non-zero exit means the app is busy and no upgrade
    /// starts (<see cref="Core.Errors.DeployErrorCode.AgentBusy"/>). <value>The default is <c>null</c> (never busy).</value></summary>
    public IReadOnlyList<string>? BusyCommand { get; init; }

    /// <summary>How many releases are kept (current and previous included). <value>The default is 3.</value></summary>
    public int KeepReleases { get; init; } = 3;

    /// <summary>The HTTP client for the feed and HTTP health checks; <c>null</c> for an internal one.
    /// <value>The default is <c>null</c>.</value></summary>
    public HttpClient? Http { get; init; }

    /// <summary>Whether a delta package from the running version is used when the feed has one (the new release is
    /// assembled from the installed one and checked against the full manifest; anything that differs falls back to the
    /// full package). <value>The default is <c>true</c>.</value></summary>
    public bool UseDeltas { get; init; } = true;

    /// <summary>Retries of a feed read after a transient failure (connection refused or reset, a timeout, a 5xx answer,
    /// a transfer that ended early; a download resumes where it stopped). A 404, a bad signature or a hash mismatch are
    /// never retried. <value>The default is 4.</value></summary>
    public int FeedRetryAttempts { get; init; } = 4;

    /// <summary>The delay before the first feed retry; later ones back off exponentially, with jitter.
    /// <value>The default is 250 ms.</value></summary>
    public TimeSpan FeedRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A folder on this machine where packages are downloaded (resumable) and extracted before they are
    /// installed on the host. <value>The default is <c>null</c>: <c>&lt;app&gt;/.deploy</c> when the app is on this
    /// machine, a folder in the system temp folder named after the host otherwise.</value></summary>
    public string? DownloadDirectory { get; init; }

    /// <summary>The downloads shared by the hosts of one push (set by <see cref="AgentPush"/>).</summary>
    internal SharedDownloads? SharedDownloads { get; init; }

    /// <summary>Called at every step boundary of the install (tests pause and kill there). <value>None.</value></summary>
    public IOperationObserver? Observer { get; init; }

    /// <summary>The clock (index expiry, commit window, records). <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>What one agent run did.</summary>
/// <param name="Outcome">The outcome, also recorded in the agent state.</param>
/// <param name="FromVersion">The version running before.</param>
/// <param name="Version">The version running now.</param>
/// <param name="IndexSerial">The serial of the verified index.</param>
/// <param name="Download">The download, when one happened.</param>
/// <param name="Error">The failure that caused a rollback, if any.</param>
public sealed record AgentUpdateResult(AgentOutcome Outcome, string? FromVersion, string? Version, long IndexSerial, DownloadResult? Download, Exception? Error)
{
    /// <summary>The base version of the delta package the release was assembled from; <c>null</c> when the full
    /// package was installed.</summary>
    public string? DeltaFrom { get; init; }

    /// <summary>Why a delta the feed offered was not used (the full package was installed instead), or <c>null</c>.</summary>
    public string? DeltaFallback { get; init; }

    /// <summary>After a rollback, whether the restarted previous release passed its health check again; <c>null</c>
    /// when there was no rollback, no health check or no previous release.</summary>
    public bool? PreviousHealthy { get; init; }
}
