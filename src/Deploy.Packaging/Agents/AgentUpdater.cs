using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Locking;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Semver;

namespace Deploy.Packaging.Agents;

/// <summary>
/// One agent update run, the same for pull (an agent's timer, <c>deploy agent pull</c>) and push (the server runs it on
/// each host over SSH): recover an interrupted run -> check (signed, unexpired, non-replayed index; key rotations) ->
/// download (Range resume, sha256) -> verify the package (signature, manifest) -> install it beside <c>current</c> with
/// <see cref="PackageInstaller"/> (install hook, atomic switch keeping the previous release, restart, health check in
/// the commit window) -> commit, or automatic rollback with the version marked bad. Killed at any point, the next run
/// rolls the install journal back (or finds it done) and leaves exactly one complete version.
/// </summary>
public sealed class AgentUpdater : IAsyncDisposable
{
    private const string Kind = "agent-update";
    private readonly AgentUpdateOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly IHost _host;
    private readonly bool _ownsHost;
    private readonly ILogger _logger;
    private readonly string _app;
    private readonly string _local;
    private readonly AgentPackageSource _source;
    private readonly AgentDeltaPath _delta;

    /// <summary>Creates an updater of <see cref="AgentUpdateOptions.AppDirectory"/> on this machine (pull mode: the
    /// agent, or <c>deploy agent pull</c> run by a timer, updates itself).</summary>
    public AgentUpdater(AgentUpdateOptions options, ILogger<AgentUpdater>? logger = null)
        : this(options, null, logger)
    {
    }

    /// <summary>
    /// Creates an updater of <see cref="AgentUpdateOptions.AppDirectory"/> on <paramref name="host"/> (push mode, see
    /// <see cref="AgentPush"/>): the index and the package are fetched and verified here, and every step on the target
    /// (lock, state, install hook, switch, restart, command health checks) runs through <paramref name="host"/>, so
    /// nothing has to be installed on it beforehand. The caller keeps ownership of the host.
    /// </summary>
    public AgentUpdater(AgentUpdateOptions options, IHost? host, ILogger<AgentUpdater>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Feed);
        ArgumentException.ThrowIfNullOrEmpty(options.AppDirectory);
        ArgumentNullException.ThrowIfNull(options.TrustedKeys);
        _options = options;
        _ownsHost = host is null;
        _host = host ?? new LocalHost();
        _app = host is null ? Path.GetFullPath(options.AppDirectory).TrimEnd('/') : PosixPath.Normalize(options.AppDirectory).TrimEnd('/');
        _local = options.DownloadDirectory is { } d ? Path.GetFullPath(d)
            : host is null ? _app + "/.deploy"
            : Path.Combine(Path.GetTempPath(), "deploy-agent-" + string.Concat(host.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')));
        _ownsHttp = options.Http is null;
        _http = options.Http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        State = new AgentStateStore(_host, _app);
        _source = new AgentPackageSource(options, _local);
        _delta = new AgentDeltaPath(_host, _app, options, _source, _logger);
    }

    /// <summary>The app's state store.</summary>
    public AgentStateStore State { get; }

    /// <summary>Runs one check, and the update when a newer eligible version is found.</summary>
    /// <param name="progress">Check, download and verify progress.</param>
    /// <param name="installProgress">The install steps as they run (and roll back).</param>
    /// <param name="cancellationToken">Cancels the run; an install in progress is rolled back.</param>
    /// <returns>The outcome (<see cref="AgentOutcomeKind.RolledBack"/> is a result, not an exception: the previous
    /// version runs, health-checked again; <see cref="AgentOutcomeKind.RolledBackUnhealthy"/> when it is not healthy either). Refusals (feed, signature, hash, replay, expiry, busy) throw <see cref="DeployException"/> and are
    /// recorded as the last outcome.</returns>
    public async Task<AgentUpdateResult> RunOnceAsync(IProgress<AgentProgress>? progress = null, IProgress<OperationProgress>? installProgress = null, CancellationToken cancellationToken = default)
    {
        var (lease, journaled) = await LockAsync(installProgress, cancellationToken).ConfigureAwait(false);
        await using var _ = lease.ConfigureAwait(false);
        var stored = await State.ReadAsync(cancellationToken).ConfigureAwait(false);
        var installer = Installer(IndexVerifier.TrustedKeys(_options.TrustedKeys, stored));
        var state = await RecoverLockedAsync(installer.Installer, stored, journaled, installProgress, cancellationToken).ConfigureAwait(false);
        var from = state.CurrentVersion;
        long serial = 0;
        try
        {
            progress?.Report(new AgentProgress(AgentPhase.Check, $"checking {_options.Feed}"));
            var reader = IndexReader();
            var client = reader.Client;
            (var index, state) = await reader.ReadAsync(state, cancellationToken).ConfigureAwait(false);
            serial = index.Serial;
            await State.WriteAsync(state, cancellationToken).ConfigureAwait(false);
            var entry = Choose(index, state);
            Logging.Checked(_logger, _app, index.Serial, from, entry?.Version);
            if (entry is null)
            {
                return await FinishAsync(state, new AgentUpdateResult(Outcome(AgentOutcomeKind.UpToDate, from, $"running {from ?? "nothing"}; no newer eligible version in channel {_options.Channel}"), from, from, serial, null, null), cancellationToken).ConfigureAwait(false);
            }

            // Under the agent lock current does not move: read once for the busy check, the delta and the pending record.
            var currentRelease = await State.CurrentReleaseAsync(cancellationToken).ConfigureAwait(false);
            await EnsureIdleAsync(currentRelease, cancellationToken).ConfigureAwait(false);
            var work = _local + "/work-" + Guid.NewGuid().ToString("N")[..12];
            try
            {
                var trusted = IndexVerifier.TrustedKeys(_options.TrustedKeys, state);
                var (delta, deltaFallback) = await _delta.TryAsync(client, entry, state, currentRelease, trusted, installer.Registry, work, progress, cancellationToken).ConfigureAwait(false);
                var download = delta?.Download ?? await _source.DownloadAsync(client, entry, progress, cancellationToken).ConfigureAwait(false);
                progress?.Report(new AgentProgress(AgentPhase.Verify, $"verifying {entry.File}"));
                var package = delta?.Package ?? await _source.ExtractAsync(download, trusted, installer.Registry, work + "/full", cancellationToken).ConfigureAwait(false);
                var install = delta is null ? installer : Installer(trusted, delta.Folder);
                state = state with { Pending = new PendingUpdate(entry.Version, from, currentRelease) };
                await State.WriteAsync(state, cancellationToken).ConfigureAwait(false);
                progress?.Report(new AgentProgress(AgentPhase.Install, $"installing {entry.Version}"));
                InstallResult installed;
                try
                {
                    installed = await install.Installer.InstallVerifiedAsync(package, force: false, installProgress, cancellationToken).ConfigureAwait(false);
                }
                catch (DeployException e) when (e.Code == DeployErrorCode.InstallFailed)
                {
                    Logging.RolledBack(_logger, e, _app, entry.Version);
                    state = await ResolvePendingAsync(state, cancellationToken).ConfigureAwait(false);
                    if (DiskFull.In(e))
                    {
                        // Not the version's fault: nothing is marked bad; the staged release was removed by the rollback.
                        _source.Delete(download);
                        throw new DeployException(DeployErrorCode.NoSpaceLeft, $"No space left on {_host.Name} for the new release of {entry.Version} in {_app}/releases (at step '{e.Path}'). It was removed; current still names {state.CurrentRelease ?? "nothing"} and {state.CurrentVersion ?? "nothing"} keeps running. Free space and run again: {e.InnerException?.Message ?? e.Message}", e) { Host = _host.Name, Path = _app + "/releases" };
                    }

                    // Only a failure of the version itself marks it bad; a full disk or a lost host is retried next run.
                    if ((e.InnerException as DeployException)?.Code == DeployErrorCode.HealthCheckFailed || e.Path is "install hook" or "restart")
                    {
                        state = state with { BadVersions = [.. state.BadVersions.Where(b => b.Version != entry.Version), new BadVersion(entry.Version, e.InnerException?.Message ?? e.Message, _options.TimeProvider.GetUtcNow())] };
                    }

                    _source.Delete(download);
                    var reason = (e.InnerException as DeployException)?.Code == DeployErrorCode.HealthCheckFailed ? "failed its health check" : $"failed at '{e.Path}'";
                    var previous = await AgentRollbackRecheck.RunAsync(_host, _app, _options, _http, _logger, State, state, cancellationToken).ConfigureAwait(false);
                    var kind = previous.Healthy == false ? AgentOutcomeKind.RolledBackUnhealthy : AgentOutcomeKind.RolledBack;
                    return await FinishAsync(state, new AgentUpdateResult(Outcome(kind, entry.Version, $"{entry.Version} {reason} and was rolled back to {state.CurrentVersion ?? "nothing"}{previous.Message}; {(state.BadVersions.Any(b => b.Version == entry.Version) ? "it is not retried until a newer version appears" : "the next run retries it")}: {e.InnerException?.Message ?? e.Message}"), from, state.CurrentVersion, serial, download, e) { DeltaFrom = delta?.BaseVersion, DeltaFallback = deltaFallback, PreviousHealthy = previous.Healthy }, cancellationToken).ConfigureAwait(false);
                }

                state = state with { CurrentVersion = entry.Version, CurrentRelease = installed.ReleaseName, Pending = null };
                _source.Delete(download);
                Logging.Updated(_logger, _app, from, entry.Version);
                var how = delta is not null ? $" from the delta against {delta.BaseVersion}" : deltaFallback is not null ? " from the full package (the delta was not usable)" : "";
                return await FinishAsync(state, new AgentUpdateResult(Outcome(AgentOutcomeKind.Updated, entry.Version, $"updated {from ?? "nothing"} -> {entry.Version} ({installed.ReleaseName}){how}; healthy and committed"), from, entry.Version, serial, download, null) { DeltaFrom = delta?.BaseVersion, DeltaFallback = deltaFallback }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        catch (DeployException e)
        {
            var kind = e.Code == DeployErrorCode.AgentBusy ? AgentOutcomeKind.Busy : AgentOutcomeKind.Failed;
            await State.WriteAsync(state with { LastOutcome = Outcome(kind, null, $"[{e.Code}] {e.Message}") }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Finishes or rolls back an update a kill interrupted (the install journal), settles the state, and
    /// returns it; <see cref="RunOnceAsync"/> does the same first.</summary>
    public async Task<AgentState> RecoverAsync(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var (lease, journaled) = await LockAsync(progress, cancellationToken).ConfigureAwait(false);
        await using var _ = lease.ConfigureAwait(false);
        var state = await State.ReadAsync(cancellationToken).ConfigureAwait(false);
        state = await RecoverLockedAsync(Installer(IndexVerifier.TrustedKeys(_options.TrustedKeys, state)).Installer, state, journaled, progress, cancellationToken).ConfigureAwait(false);
        await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>The newest eligible entry: in the channel, newer than the running version, not marked bad, and
    /// accepting an upgrade from the running version; or the requested <see cref="AgentUpdateOptions.TargetVersion"/>.</summary>
    internal FeedEntry? Choose(FeedIndex index, AgentState state)
    {
        var current = state.CurrentVersion is { } c ? FeedVersions.Parse(c, "current_version") : null;
        if (_options.TargetVersion is { } target)
        {
            var entry = index.Find(target, _options.Channel)
                ?? throw new DeployException(DeployErrorCode.VersionNotFound, $"Version {target} is not in channel '{_options.Channel}' of the feed (index serial {index.Serial}); it lists {string.Join(", ", index.Packages.Where(p => p.Channel == _options.Channel).Select(p => p.Version))}.") { Path = "version" };
            if (!entry.AcceptsUpgradeFrom(current))
            {
                throw new DeployException(DeployErrorCode.VersionNotFound, $"Version {target} can only be installed over {entry.MinimumFrom} or later; {state.CurrentVersion} runs. Install an intermediate version first.") { Path = "version" };
            }

            return current is not null && current.ComparePrecedenceTo(entry.SemanticVersion) == 0 ? null : entry;
        }

        return index.Packages
            .Where(p => p.Channel == _options.Channel)
            .Where(p => current is null || p.SemanticVersion.ComparePrecedenceTo(current) > 0)
            .Where(p => !state.BadVersions.Any(b => FeedVersions.Parse(b.Version, "bad_versions").ComparePrecedenceTo(p.SemanticVersion) == 0))
            .Where(p => p.AcceptsUpgradeFrom(current))
            .OrderByDescending(p => p.SemanticVersion, SemVersion.PrecedenceComparer)
            .FirstOrDefault();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }

        if (_ownsHost)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Under the agent lock: rolls back an install a kill interrupted (its journal), removes a release a kill
    /// left half assembled from a delta (before its install started, so no journal names it), and settles the state.</summary>
    /// <remarks>Only a journal means an interrupted install (it is written before any side effect): without one, the
    /// installer's own recovery (its lock, the journal read) is skipped here; the install checks again under its lock.</remarks>
    private async Task<AgentState> RecoverLockedAsync(PackageInstaller installer, AgentState state, bool journaled, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (journaled)
        {
            await installer.RecoverAsync(_options.PackageType, progress, cancellationToken).ConfigureAwait(false);
        }

        await _host.RemoveAsync(_app + "/releases/" + DeltaRelease.AssemblyFolder, recursive: true, cancellationToken).ConfigureAwait(false);
        return await ResolvePendingAsync(state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the agent lock (it makes <c>.deploy</c> when missing) and, in the same round trip, lists
    /// <c>.deploy</c>: whether the install journal (<see cref="PackageInstallRecord.JournalPath"/>) is there.</summary>
    private async Task<(LockLease Lease, bool Journaled)> LockAsync(IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var (lease, listing) = await new HostLock(_host, _app + "/.deploy/agent-lock", new HostLockOptions { TimeProvider = _options.TimeProvider })
            .AcquireAndListAsync(LockHolder.ForCurrentProcess(Kind, _options.TimeProvider), _app + "/.deploy", progress, cancellationToken).ConfigureAwait(false);
        var journal = PosixPath.GetFileName(PackageInstallRecord.JournalPath(_app));
        return (lease, listing.Any(e => e.Path == journal));
    }

    /// <summary>Settles an update a kill interrupted (after the install journal was recovered): if <c>current</c> still
    /// points at the release it pointed at before, the old version runs; otherwise the install completed.</summary>
    private async Task<AgentState> ResolvePendingAsync(AgentState state, CancellationToken cancellationToken)
    {
        if (state.Pending is not { } pending || await _host.ExistsAsync(_app + "/.deploy/journal.json", cancellationToken).ConfigureAwait(false))
        {
            return state;
        }

        var current = await State.CurrentReleaseAsync(cancellationToken).ConfigureAwait(false);
        state = current == pending.PreviousRelease
            ? state with { Pending = null, CurrentVersion = pending.FromVersion, CurrentRelease = current }
            : state with { Pending = null, CurrentVersion = pending.Version, CurrentRelease = current };
        Logging.Resolved(_logger, _app, pending.Version, state.CurrentVersion);
        await State.WriteAsync(state, cancellationToken).ConfigureAwait(false);
        return state;
    }

    private async Task EnsureIdleAsync(string? currentRelease, CancellationToken cancellationToken)
    {
        if (_options.BusyCommand is not { Count: > 0 } busy || currentRelease is null)
        {
            return;
        }

        var result = await _host.RunAsync(new CommandSpec(busy) { WorkingDirectory = _app + "/current", Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new DeployException(DeployErrorCode.AgentBusy, $"The app reports itself busy ({result.Command} exited {result.ExitCode}); no upgrade was started. The next run tries again.") { Command = result.Command, ExitCode = result.ExitCode, Path = _app };
        }
    }

    private async Task<AgentUpdateResult> FinishAsync(AgentState state, AgentUpdateResult result, CancellationToken cancellationToken)
    {
        await State.WriteAsync(state with { LastOutcome = result.Outcome }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The feed's index reader for this updater's options (and push, when it is part of one).</summary>
    internal FeedIndexReader IndexReader()
        => new(new FeedClient(_http, _options.Feed, _options.FeedRetryAttempts, _options.FeedRetryDelay, _options.TimeProvider, _logger), _options.TrustedKeys, _options.TimeProvider, _logger, _app, _options.SharedDownloads);

    private AgentOutcome Outcome(AgentOutcomeKind kind, string? version, string message) => new(kind, version, _options.TimeProvider.GetUtcNow(), message);

    private (PackageInstaller Installer, PackageTypeRegistry Registry) Installer(IReadOnlyList<TrustedKey> trusted, string? assembled = null)
    {
        var registry = PackageTypeRegistry.Default.With(_options.PackageType, PosixPath.GetFileName(_app), new AgentInstallStrategy(_options.HealthCheck, _http, _options.Service, assembled), "agent app (staged release, install hook, health-checked switch)");
        var options = new PackageInstallOptions
        {
            InstallBase = PosixPath.GetDirectoryName(_app),
            Registry = registry,
            RestartCommand = _options.Service is null ? _options.RestartCommand : null,
            KeepReleases = _options.KeepReleases,
            Read = new PackageReadOptions { Trust = TrustPolicy.Require([.. trusted]) },
            WorkDirectory = _local,
            Observer = _options.Observer,
            TimeProvider = _options.TimeProvider,
            Lock = new HostLockOptions { TimeProvider = _options.TimeProvider },
        };
        return (new PackageInstaller(_host, options), registry);
    }
}
