using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Reading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Packaging.Installing;

/// <summary>
/// The rdb <c>./install [-f]</c> as a library, on any <see cref="IHost"/>: verify the package (hashes, signature,
/// safe entries), check <c>os_release</c> against the host, take the install root's lock
/// (<c>&lt;root&gt;/.deploy/lock</c>), roll back an install a crash interrupted, check the tool's background processes
/// (refuse and name them, or stop them with force), then run the type's steps on the operations core: staged into a
/// new release folder, switched with one symlink rename, journaled before each side effect so that a failure, or a
/// kill and rerun, leaves the previous install intact.
/// </summary>
public sealed class PackageInstaller
{
    private readonly IHost _host;
    private readonly PackageInstallOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates an installer for <paramref name="host"/>.</summary>
    public PackageInstaller(IHost host, PackageInstallOptions? options = null, ILogger<PackageInstaller>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _options = options ?? new PackageInstallOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Installs the package file <paramref name="packagePath"/> (a local file).</summary>
    /// <param name="packagePath">The package (.tar.gz, .tar or .zip).</param>
    /// <param name="force">Stop the tool's running background processes instead of refusing (<c>-f</c>).</param>
    /// <param name="progress">Receives the checks and each step as it starts and completes.</param>
    /// <param name="cancellationToken">Cancels the install (completed steps are rolled back).</param>
    public async Task<InstallResult> InstallAsync(string packagePath, bool force = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagePath);
        var work = Path.Combine(_options.WorkDirectory ?? Path.GetTempPath(), "deploy-install-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Report(progress, "verify");
            var package = await new PackageReader(_options.Read with { Registry = _options.Registry }).ExtractAsync(packagePath, work, cancellationToken).ConfigureAwait(false);
            return await InstallVerifiedAsync(package, force, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Installs an already verified and extracted package (see <see cref="PackageReader.ExtractAsync"/>).</summary>
    public async Task<InstallResult> InstallVerifiedAsync(VerifiedPackage package, bool force = false, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.PayloadDirectory is null)
        {
            throw new ArgumentException("The package must be extracted (PackageReader.ExtractAsync), not only verified.", nameof(package));
        }

        var version = package.Version;
        var definition = Definition(version.PackageType);
        var root = RootOf(definition);
        Logging.Installing(_logger, version.PackageName, version.PackageType.Name, _host.Name, root);

        Report(progress, "os_release");
        var os = await _host.GetOsReleaseAsync(cancellationToken).ConfigureAwait(false);
        version.OsRelease.EnsureMatches(os, _host.Name);

        var (lease, journaled) = await LockAsync(root, progress, cancellationToken).ConfigureAwait(false);
        await using var _ = lease.ConfigureAwait(false);
        var recovered = journaled && await RecoverLockedAsync(root, definition.Strategy, progress, cancellationToken).ConfigureAwait(false);
        await _host.CreateDirectoryAsync(root + "/releases", null, cancellationToken).ConfigureAwait(false);

        var previous = await CurrentReleaseAsync(root, cancellationToken).ConfigureAwait(false);
        var stamp = _options.TimeProvider.GetUtcNow().ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var record = new PackageInstallRecord(version.PackageName, version.PackageType.Name!, version.PackageName + "-" + stamp, previous);
        var context = new InstallContext(_host, root, record.ReleaseName, previous, _options) { Package = package, Force = force };

        Report(progress, "processes");
        var stopped = await HandleProcessesAsync(definition.Strategy.BackgroundProcesses(context), force, cancellationToken).ConfigureAwait(false);

        var runner = Runner(root, definition.Strategy, context, record);
        var outcome = await runner.RunAsync(runner.NewJournal(context, lease.Holder), context, progress, cancellationToken).ConfigureAwait(false);
        if (outcome.Error is { } e)
        {
            if (e is OperationCanceledException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
            }

            var rollback = outcome.RollbackFailures.Count == 0 ? "" : $" Rolling back {string.Join(", ", outcome.RollbackFailures.Select(f => $"'{f.Step}' ({f.Error.Message})"))} failed; the journal {PackageInstallRecord.JournalPath(root)} keeps the install for the next run.";
            throw new DeployException(
                DeployErrorCode.InstallFailed,
                $"Installing {version.PackageName} failed at step '{outcome.FailedStep}': {e.Message} The previous install{(previous is null ? " (none)" : $" ({previous})")} is intact.{rollback}",
                e)
            {
                Host = _host.Name,
                Path = outcome.FailedStep,
                Command = (e as DeployException)?.Command,
                ExitCode = (e as DeployException)?.ExitCode,
            };
        }

        await PruneAsync(context, cancellationToken).ConfigureAwait(false);
        await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return new InstallResult(package, root, context.ReleaseName, previous, stopped, runner.StepNames, recovered, lease.TakenOver);
    }

    /// <summary>
    /// Rolls back an install of <paramref name="type"/> that a crash interrupted (found in its journal), under the
    /// install root's lock; a lock left by a killed install is taken over with a note (in the result).
    /// </summary>
    public async Task<InstallRecovery> RecoverAsync(Model.PackageType type, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var definition = Definition(type);
        var root = RootOf(definition);
        var (lease, journaled) = await LockAsync(root, progress, cancellationToken).ConfigureAwait(false);
        await using var _ = lease.ConfigureAwait(false);
        var rolledBack = journaled && await RecoverLockedAsync(root, definition.Strategy, progress, cancellationToken).ConfigureAwait(false);
        await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return new InstallRecovery(rolledBack, lease.TakenOver);
    }

    private PackageTypeDefinition Definition(Model.PackageType type)
        => _options.Registry.Find(type)
            ?? throw new DeployException(DeployErrorCode.UnknownPackageType, $"No installer strategy is registered for package type '{type}'. Register one with PackageTypeRegistry.With(...).") { Path = "package_type" };

    private string RootOf(PackageTypeDefinition definition) => _options.InstallBase.TrimEnd('/') + "/" + definition.Component;

    /// <summary>Takes the install root's lock and, in the same round trip, lists <c>.deploy</c>: whether a journal of
    /// an interrupted install is there (without one there is nothing to recover and nothing to read).</summary>
    private async Task<(LockLease Lease, bool Journaled)> LockAsync(string root, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var options = _options.Lock with { TimeProvider = _options.TimeProvider };
        var journal = PackageInstallRecord.JournalPath(root);
        var (lease, listing) = await new HostLock(_host, PackageInstallRecord.LockPath(root), options)
            .AcquireAndListAsync(LockHolder.ForCurrentProcess(PackageInstallRecord.Kind, options.TimeProvider), PosixPath.GetDirectoryName(journal), progress, cancellationToken).ConfigureAwait(false);
        return (lease, listing.Any(e => e.Path == PosixPath.GetFileName(journal)));
    }

    private OperationRunner<InstallContext, PackageInstallRecord> Runner(string root, IPackageInstallStrategy strategy, InstallContext context, PackageInstallRecord record)
        => new(
            new JournalStore(_host, PackageInstallRecord.JournalPath(root)),
            PackageInstallRecord.Kind,
            strategy.CreateSteps(context),
            _ => record,
            new OperationRunOptions { Observer = _options.Observer, RollBackOnCancel = true, TimeProvider = _options.TimeProvider, Logger = _logger });

    /// <summary>Rolls back the interrupted install recorded in <paramref name="installRoot"/>'s journal, if any.</summary>
    private async Task<bool> RecoverLockedAsync(string installRoot, IPackageInstallStrategy strategy, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var journal = await new JournalStore(_host, PackageInstallRecord.JournalPath(installRoot)).ReadAsync<PackageInstallRecord>(PackageInstallRecord.Kind, cancellationToken).ConfigureAwait(false);
        if (journal is null)
        {
            return false;
        }

        var record = journal.Payload;
        Logging.Recovering(_logger, record.PackageName, _host.Name);
        var context = new InstallContext(_host, installRoot, record.ReleaseName, record.PreviousRelease, _options);
        var failures = await Runner(installRoot, strategy, context, record).RollBackAsync(journal, context, progress, cancellationToken).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            throw new DeployException(DeployErrorCode.RollbackFailed, $"Rolling back the interrupted install of {record.PackageName} ({record.ReleaseName}) failed at {string.Join(", ", failures.Select(f => $"'{f.Step}': {f.Error.Message}"))}. Fix the cause and run again.", failures[0].Error) { Host = _host.Name, Path = PackageInstallRecord.JournalPath(installRoot) };
        }

        return true;
    }

    private static void Report(IProgress<OperationProgress>? progress, string check)
        => progress?.Report(new OperationProgress(OperationEventKind.StepStarted, PackageInstallRecord.Kind, check) { Step = check });

    private async Task<string?> CurrentReleaseAsync(string root, CancellationToken cancellationToken)
    {
        var info = await _host.StatAsync(root + "/current", cancellationToken).ConfigureAwait(false);
        if (info?.LinkTarget is not { } target)
        {
            return null;
        }

        return target.StartsWith("releases/", StringComparison.Ordinal) ? target["releases/".Length..] : PosixPath.GetFileName(target);
    }
    private async Task<IReadOnlyList<ProcessInfo>> HandleProcessesAsync(IReadOnlyList<ProcessQuery> queries, bool force, CancellationToken cancellationToken)
    {
        var running = await FindAsync(queries, cancellationToken).ConfigureAwait(false);
        if (running.Count == 0)
        {
            return [];
        }

        if (!force)
        {
            throw new DeployException(
                DeployErrorCode.ProcessesRunning,
                $"Background processes of the tool are running on {_host.Name}: {string.Join("; ", running.Select(p => $"{p.Pid} {p.Name} ({p.CommandLine})"))}. Stop them and install again, or install with force (-f) to stop them automatically.")
            {
                Host = _host.Name,
            };
        }

        foreach (var p in running)
        {
            Logging.Stopping(_logger, p.Pid, p.Name, _host.Name);
        }

        await _host.RunAsync(new CommandSpec(["kill", "-TERM", .. running.Select(p => p.Pid.ToString(CultureInfo.InvariantCulture))]), cancellationToken).ConfigureAwait(false);
        var deadline = _options.TimeProvider.GetTimestamp();
        while (_options.TimeProvider.GetElapsedTime(deadline) < _options.StopTimeout)
        {
            if ((await FindAsync(queries, cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                return running;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        var left = await FindAsync(queries, cancellationToken).ConfigureAwait(false);
        if (left.Count > 0)
        {
            await _host.RunAsync(new CommandSpec(["kill", "-KILL", .. left.Select(p => p.Pid.ToString(CultureInfo.InvariantCulture))]), cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(200), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            left = await FindAsync(queries, cancellationToken).ConfigureAwait(false);
            if (left.Count > 0)
            {
                throw new DeployException(DeployErrorCode.ProcessesRunning, $"Could not stop {string.Join(", ", left.Select(p => $"{p.Pid} {p.Name}"))} on {_host.Name}.") { Host = _host.Name };
            }
        }

        return running;
    }

    private async Task<IReadOnlyList<ProcessInfo>> FindAsync(IReadOnlyList<ProcessQuery> queries, CancellationToken cancellationToken)
    {
        var all = new List<ProcessInfo>();
        foreach (var q in queries)
        {
            all.AddRange(await _host.FindProcessesAsync(q, cancellationToken).ConfigureAwait(false));
        }

        return all.DistinctBy(p => p.Pid).ToArray();
    }

    private async Task PruneAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var entries = await _host.ListTreeAsync(context.ReleasesDirectory, cancellationToken).ConfigureAwait(false);
        var releases = entries
            .Where(e => e.Kind == FileKind.Directory && !e.Path.Contains('/', StringComparison.Ordinal) && !e.Path.StartsWith('.'))
            .OrderByDescending(e => e.ModifiedTime)
            .Select(e => e.Path)
            .Where(r => r != context.ReleaseName && r != context.PreviousRelease)
            .Skip(Math.Max(0, _options.KeepReleases - 2))
            .ToArray();
        foreach (var r in releases)
        {
            await _host.RemoveAsync(context.ReleasesDirectory + "/" + r, recursive: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
