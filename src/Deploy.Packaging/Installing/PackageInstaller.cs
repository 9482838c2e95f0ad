using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Reading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Packaging.Installing;

/// <summary>
/// The rdb <c>./install [-f]</c> as a library, on any <see cref="IHost"/>: verify the package (hashes, signature,
/// safe entries), check <c>os_release</c> against the host, check the tool's background processes (refuse and name
/// them, or stop them with force), then run the type's steps — staged into a new release folder, switched with one
/// symlink rename, journaled so that a failure (or a crash and rerun) leaves the previous install intact.
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
    /// <param name="progress">Receives each step as it starts.</param>
    /// <param name="cancellationToken">Cancels the install (completed steps are rolled back).</param>
    public async Task<InstallResult> InstallAsync(string packagePath, bool force = false, IProgress<InstallProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagePath);
        var work = Path.Combine(_options.WorkDirectory ?? Path.GetTempPath(), "deploy-install-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            progress?.Report(new InstallProgress("verify", 1, 3));
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
    public async Task<InstallResult> InstallVerifiedAsync(VerifiedPackage package, bool force = false, IProgress<InstallProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.PayloadDirectory is null)
        {
            throw new ArgumentException("The package must be extracted (PackageReader.ExtractAsync), not only verified.", nameof(package));
        }

        var version = package.Version;
        var definition = _options.Registry.Find(version.PackageType)
            ?? throw new DeployException(DeployErrorCode.UnknownPackageType, $"No installer strategy is registered for package type '{version.PackageType}'. Register one with PackageTypeRegistry.With(...).") { Path = "package_type" };
        var root = _options.InstallBase.TrimEnd('/') + "/" + definition.Component;
        Logging.Installing(_logger, version.PackageName, version.PackageType.Name, _host.Name, root);

        progress?.Report(new InstallProgress("os_release", 2, 3));
        var os = await _host.GetOsReleaseAsync(cancellationToken).ConfigureAwait(false);
        version.OsRelease.EnsureMatches(os, _host.Name);

        await _host.CreateDirectoryAsync(root + "/releases", null, cancellationToken).ConfigureAwait(false);
        var recovered = await RecoverAsync(root, definition.Strategy, cancellationToken).ConfigureAwait(false);

        var previous = await CurrentReleaseAsync(root, cancellationToken).ConfigureAwait(false);
        var stamp = _options.TimeProvider.GetUtcNow().ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var context = new InstallContext(_host, root, version.PackageName + "-" + stamp, previous, _options) { Package = package, Force = force };

        progress?.Report(new InstallProgress("processes", 3, 3));
        var stopped = await HandleProcessesAsync(definition.Strategy.BackgroundProcesses(context), force, cancellationToken).ConfigureAwait(false);

        var steps = definition.Strategy.CreateSteps(context);
        var journal = new InstallJournal(version.PackageName, version.PackageType.Name, context.ReleaseName, previous, []);
        await journal.WriteAsync(_host, root, cancellationToken).ConfigureAwait(false);
        var done = new List<IInstallStep>();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            progress?.Report(new InstallProgress(step.Name, 4 + i, 3 + steps.Count));
            Logging.Step(_logger, step.Name, _host.Name);
            try
            {
                await step.ApplyAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DeployException or IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                Logging.StepFailed(_logger, e, step.Name, _host.Name);
                // The failed step may have half-applied: its rollback runs first (rollbacks tolerate partial work).
                await RollbackAsync(context, [.. done, step], CancellationToken.None).ConfigureAwait(false);
                await InstallJournal.DeleteAsync(_host, root, CancellationToken.None).ConfigureAwait(false);
                if (e is OperationCanceledException)
                {
                    throw;
                }

                throw new DeployException(
                    DeployErrorCode.InstallFailed,
                    $"Installing {version.PackageName} failed at step '{step.Name}': {e.Message} The previous install{(previous is null ? " (none)" : $" ({previous})")} is intact.",
                    e)
                {
                    Host = _host.Name,
                    Path = step.Name,
                    Command = (e as DeployException)?.Command,
                    ExitCode = (e as DeployException)?.ExitCode,
                };
            }

            done.Add(step);
            journal = journal with { CompletedSteps = done.Select(s => s.Name).ToArray() };
            await journal.WriteAsync(_host, root, cancellationToken).ConfigureAwait(false);
        }

        foreach (var step in done)
        {
            await step.CommitAsync(context, cancellationToken).ConfigureAwait(false);
        }

        await InstallJournal.DeleteAsync(_host, root, cancellationToken).ConfigureAwait(false);
        await PruneAsync(context, cancellationToken).ConfigureAwait(false);
        return new InstallResult(package, root, context.ReleaseName, previous, stopped, steps.Select(s => s.Name).ToArray(), recovered);
    }

    /// <summary>Rolls back an unfinished install recorded in the journal of <paramref name="installRoot"/>, if any.
    /// Returns whether there was one.</summary>
    private async Task<bool> RecoverAsync(string installRoot, IPackageInstallStrategy strategy, CancellationToken cancellationToken)
    {
        var journal = await InstallJournal.ReadAsync(_host, installRoot, cancellationToken).ConfigureAwait(false);
        if (journal is null)
        {
            return false;
        }

        Logging.Recovering(_logger, journal.PackageName, _host.Name);
        var context = new InstallContext(_host, installRoot, journal.ReleaseName, journal.PreviousRelease, _options);
        var steps = strategy.CreateSteps(context);
        var done = steps.Where(s => journal.CompletedSteps.Contains(s.Name)).ToList();

        // The step that was running when the crash came may have half-applied: undo it too (rollbacks tolerate
        // partial work).
        var running = steps.FirstOrDefault(s => !journal.CompletedSteps.Contains(s.Name));
        if (running is not null)
        {
            done.Add(running);
        }

        await RollbackAsync(context, done, cancellationToken).ConfigureAwait(false);
        await InstallJournal.DeleteAsync(_host, installRoot, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task RollbackAsync(InstallContext context, List<IInstallStep> done, CancellationToken cancellationToken)
    {
        for (var i = done.Count - 1; i >= 0; i--)
        {
            try
            {
                await done[i].RollbackAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DeployException or IOException or UnauthorizedAccessException)
            {
                Logging.RollbackFailed(_logger, e, done[i].Name, _host.Name);
            }
        }
    }

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
