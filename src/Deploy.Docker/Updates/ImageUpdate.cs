using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence;
using Deploy.Docker.Archives;
using Deploy.Docker.Engine;
using Deploy.Docker.Updates.Steps;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Docker.Updates;

/// <summary>
/// Updates the images of a containerized console deployment in one verified call: plan → apply (back up files,
/// load archives, edit compose/.systemconfig/.env, restart) → verify (new image IDs, running, healthy, settled) →
/// on failure roll back (restore files, bring the services back on the old images, which are still present).
/// A journal on the target makes it crash-safe: a run that finds an interrupted update rolls it back first.
/// </summary>
public sealed class ImageUpdate
{
    private readonly IHost _host;
    private readonly ImageUpdateOptions _options;
    private readonly DockerEngine _engine;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates an update of the deployment described by <paramref name="options"/> on <paramref name="host"/>.</summary>
    public ImageUpdate(IHost host, ImageUpdateOptions options, ILogger<ImageUpdate>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        PosixPath.EnsureAbsolute(options.Directory, nameof(options));
        if (options.Archives.Count == 0)
        {
            throw new ArgumentException("At least one image archive is needed.", nameof(options));
        }

        _host = host;
        _options = options;
        _engine = new DockerEngine(host);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Reads the archives (without loading them) and the deployment's files, and returns what an update would do.
    /// Nothing is changed. If an interrupted update is pending, the plan is made from its backed-up originals and
    /// says so.
    /// </summary>
    public async Task<ImageUpdatePlan> PlanAsync(CancellationToken cancellationToken = default)
    {
        var targets = new List<ImageTarget>();
        foreach (var path in _options.Archives)
        {
            var archive = await ImageArchive.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            foreach (var image in archive.Images)
            {
                if (image.Tags.Count == 0)
                {
                    throw new DeployException(DeployErrorCode.ImageArchiveInvalid, $"'{path}' holds an untagged image ({image.ImageId}); save it by repository:tag.") { Path = path };
                }

                targets.AddRange(image.Tags.Select(t => new ImageTarget(t, image.ImageId, path)));
            }
        }

        var pending = await UpdateContext.ReadPendingAsync(_host, _options, cancellationToken).ConfigureAwait(false);
        var overrides = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in pending?.Files ?? [])
        {
            overrides[file.Path] = await _host.ReadAllBytesAsync(file.Backup, cancellationToken).ConfigureAwait(false);
        }

        var projects = await ProjectReader.ReadAsync(_host, _options.Directory, overrides, cancellationToken, _options.ComposeFiles).ConfigureAwait(false);
        var plan = ImageUpdatePlanner.Plan(_options.Directory, projects, targets);
        return pending is null ? plan : plan with { Notes = [$"An interrupted update ({pending.Id}, at step '{pending.Step}') will be rolled back first; this plan starts from its backed-up files.", .. plan.Notes] };
    }

    /// <summary>Plans and applies in one call (rolling back an interrupted earlier update first).</summary>
    public async Task<ImageUpdateResult> UpdateAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(cancellationToken).ConfigureAwait(false);
        return await ApplyAsync(plan, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies <paramref name="plan"/>. On any failure the steps done are rolled back and the failure is thrown with
    /// what was rolled back; <see cref="DeployErrorCode.RollbackFailed"/> when the rollback itself failed. When
    /// <paramref name="cancellationToken"/> fires, nothing is rolled back: the journal stays and the next run rolls back.
    /// </summary>
    public async Task<ImageUpdateResult> ApplyAsync(ImageUpdatePlan plan, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return await LockedAsync(() => ApplyLockedAsync(plan, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="action"/> holding the deployment's lock (<c>.deploy-backup/control/lock</c>, shared with the
    /// sequence engine's lock format): a second update of the same deployment gets <see cref="DeployErrorCode.LockHeld"/>;
    /// a lock left by a killed run on this machine is taken over, since its journal is rolled back next.
    /// </summary>
    private async Task<T> LockedAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var store = new HostStateStore(_host, PosixPath.Combine(_options.Directory, _options.BackupDirectoryName), _time);
        var holder = LockHolder.ForCurrentProcess(_time);
        await store.AcquireLockAsync(holder, breakStale: true, cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            await store.ReleaseLockAsync(holder, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<ImageUpdateResult> ApplyLockedAsync(ImageUpdatePlan plan, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var recovered = await RecoverLockedAsync(cancellationToken).ConfigureAwait(false);
        if (recovered is not null)
        {
            progress?.Report($"Rolled back the interrupted update {recovered.UpdateId} (it had reached '{recovered.InterruptedAt}').");
        }

        var journal = new UpdateJournal(NewId(), _options.Directory, "plan", [], [], _options.RestartScript, [.. _options.RestartArguments]);
        var context = new UpdateContext(_host, _engine, _options, _logger, _time, journal) { Plan = plan };
        await _engine.DetectAsync(cancellationToken).ConfigureAwait(false);
        context.Journal = journal with { Services = await BindServicesAsync(plan, cancellationToken).ConfigureAwait(false) };

        IImageUpdateStep[] steps = [new BackupFilesStep(), new LoadImagesStep(), new EditFilesStep(), new RestartStep(), new VerifyStep()];
        var done = new List<IImageUpdateStep>();
        IImageUpdateStep? current = null;
        try
        {
            foreach (var step in steps)
            {
                current = step;
                if (_options.BeforeStep is { } hook)
                {
                    await hook(step.Name, cancellationToken).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                DockerLog.Step(_logger, step.Name, _host.Name);
                progress?.Report($"{step.Name}...");
                done.Add(step);
                await step.ApplyAsync(context, cancellationToken).ConfigureAwait(false);
            }

            await context.CloseJournalAsync("completed", cancellationToken).ConfigureAwait(false);
            return new ImageUpdateResult(plan, context.LoadedReferences, context.VerifiedContainers, context.BackupDirectory, recovered);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new DeployException(DeployErrorCode.Cancelled, $"The update was cancelled at step '{current?.Name}'; its journal stays in {context.BackupRoot} and the next run rolls it back.", e) { Host = _host.Name, Path = _options.Directory };
        }
        catch (Exception e) when (done.Count > 0 && e is not OperationCanceledException)
        {
            DockerLog.RollingBack(_logger, _host.Name, current?.Name ?? "", e.Message);
            progress?.Report($"{current?.Name} failed; rolling back...");
            try
            {
                foreach (var step in Enumerable.Reverse(done))
                {
                    await step.RollbackAsync(context, CancellationToken.None).ConfigureAwait(false);
                }

                await context.CloseJournalAsync("rolledback", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception rollback) when (rollback is DeployException or IOException)
            {
                throw new DeployException(DeployErrorCode.RollbackFailed, $"The update failed at step '{current?.Name}' ({e.Message}) and the rollback failed too ({rollback.Message}). The original files are in {context.BackupDirectory}; the journal {UpdateContext.PendingPath(_options)} lists them.", rollback) { Host = _host.Name, Path = context.BackupDirectory };
            }

            var code = e switch { DeployException d => d.Code, IOException => DeployErrorCode.RemoteIoFailed, _ => DeployErrorCode.Unknown };
            throw new DeployException(code, $"The update failed at step '{current?.Name}': {e.Message} It was rolled back: the files are restored and the services run their previous images.", e) { Host = _host.Name, Path = _options.Directory };
        }
    }

    /// <summary>
    /// Rolls back an interrupted update found on the target (restores its backed-up files, restarts its services on
    /// them and checks they run their previous images); <c>null</c> when none is pending.
    /// </summary>
    public Task<RecoveryResult?> RecoverAsync(CancellationToken cancellationToken = default)
        => LockedAsync(() => RecoverLockedAsync(cancellationToken), cancellationToken);

    private async Task<RecoveryResult?> RecoverLockedAsync(CancellationToken cancellationToken)
    {
        var journal = await UpdateContext.ReadPendingAsync(_host, _options, cancellationToken).ConfigureAwait(false);
        if (journal is null)
        {
            return null;
        }

        DockerLog.Recovering(_logger, journal.Id, _options.Directory, _host.Name);
        var context = new UpdateContext(_host, _engine, _options with { RestartScript = journal.RestartScript }, _logger, _time, journal);
        try
        {
            var restored = await context.RestoreFilesAsync(cancellationToken).ConfigureAwait(false);
            if (journal.Step is "restart" or "verify")
            {
                await ServiceOperations.RestartAsync(context, cancellationToken).ConfigureAwait(false);
                await ServiceOperations.VerifyAsync(context, previous: true, cancellationToken).ConfigureAwait(false);
            }

            var interruptedAt = journal.Step;
            await context.CloseJournalAsync("rolledback", cancellationToken).ConfigureAwait(false);
            return new RecoveryResult(journal.Id, interruptedAt, restored, journal.Services.Select(s => s.Service).Distinct().ToList());
        }
        catch (DeployException e) when (e.Code != DeployErrorCode.Cancelled)
        {
            throw new DeployException(DeployErrorCode.RollbackFailed, $"Rolling back the interrupted update {journal.Id} failed: {e.Message}", e) { Host = _host.Name, Path = UpdateContext.PendingPath(_options) };
        }
    }

    private async Task<List<JournalService>> BindServicesAsync(ImageUpdatePlan plan, CancellationToken cancellationToken)
    {
        var list = new List<JournalService>();
        foreach (var service in plan.Services)
        {
            var running = await _engine.ListContainersAsync(
                new Dictionary<string, string>
                {
                    ["com.docker.compose.service"] = service.Service,
                    ["com.docker.compose.project.working_dir"] = service.ProjectDirectory,
                },
                cancellationToken).ConfigureAwait(false);
            var existing = running.FirstOrDefault();
            var projectName = existing?.ComposeProject ?? await _engine.DefaultProjectNameAsync(service.ProjectDirectory, cancellationToken).ConfigureAwait(false);
            var files = existing?.ComposeConfigFiles?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() ?? (service.ProjectFiles.Count > 0 ? service.ProjectFiles.ToList() : [PosixPath.GetFileName(service.ComposeFile)]);
            list.Add(new JournalService(service.ProjectDirectory, service.Service, projectName, files, existing?.ImageId, service.NewImageId));
        }

        return list;
    }

    private string NewId() => _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
}
