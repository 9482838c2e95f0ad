using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
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
/// It runs on the operations core: the deployment's lock, a journal written before each side effect (a run that
/// finds an interrupted update rolls it back first), and steps rolled back in reverse.
/// </summary>
public sealed class ImageUpdate
{
    private readonly IHost _host;
    private readonly ImageUpdateOptions _options;
    private readonly DockerEngine _engine;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates an update of the deployment described by <paramref name="options"/> on <paramref name="host"/>.</summary>
    public ImageUpdate(IHost host, ImageUpdateOptions options, ILogger<ImageUpdate>? logger = null)
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
        _time = options.TimeProvider;
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

        var pending = await Journal().ReadAsync<ImageUpdateRecord>(ImageUpdateRecord.Kind, cancellationToken).ConfigureAwait(false);
        var overrides = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in pending?.Payload.Files ?? [])
        {
            overrides[file.Path] = await _host.ReadAllBytesAsync(file.Backup, cancellationToken).ConfigureAwait(false);
        }

        var projects = await ProjectReader.ReadAsync(_host, _options.Directory, overrides, cancellationToken, _options.ComposeFiles).ConfigureAwait(false);
        var plan = ImageUpdatePlanner.Plan(_options.Directory, projects, targets);
        return pending is null ? plan : plan with { Notes = [$"An interrupted update ({pending.Id}, at step '{InterruptedAt(pending)}') will be rolled back first; this plan starts from its backed-up files.", .. plan.Notes] };
    }

    /// <summary>Plans and applies in one call (rolling back an interrupted earlier update first).</summary>
    public async Task<ImageUpdateResult> UpdateAsync(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(cancellationToken).ConfigureAwait(false);
        return await ApplyAsync(plan, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies <paramref name="plan"/> under the deployment's lock (<see cref="ImageUpdateOptions.LockPath"/>; a lock
    /// left by a killed update is taken over with a note), after rolling back an interrupted update. On any failure
    /// the steps done are rolled back and the failure is thrown with what was rolled back;
    /// <see cref="DeployErrorCode.RollbackFailed"/> when the rollback itself failed. When
    /// <paramref name="cancellationToken"/> fires, nothing is rolled back: the journal stays and the next run rolls back.
    /// </summary>
    public async Task<ImageUpdateResult> ApplyAsync(ImageUpdatePlan plan, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var lease = await Lock().AcquireAsync(ImageUpdateRecord.Kind, progress, cancellationToken).ConfigureAwait(false);
        var recovered = await RecoverLockedAsync(lease, progress, cancellationToken).ConfigureAwait(false);
        await _engine.DetectAsync(cancellationToken).ConfigureAwait(false);
        var record = new ImageUpdateRecord(_options.Directory, [], await BindServicesAsync(plan, cancellationToken).ConfigureAwait(false), _options.RestartScript, [.. _options.RestartArguments]);
        var context = new UpdateContext(_host, _engine, _options, _logger, _time, NewId(), record) { Plan = plan };
        var runner = Runner(_options.Observer);
        var journal = runner.NewJournal(context, lease.Holder) with { Id = context.Id };
        var outcome = await runner.RunAsync(journal, context, progress, cancellationToken).ConfigureAwait(false);
        if (outcome.Succeeded)
        {
            await CloseJournalAsync(context, journal, "completed", cancellationToken).ConfigureAwait(false);
            await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
            return new ImageUpdateResult(plan, context.LoadedReferences, context.VerifiedContainers, context.BackupDirectory, recovered, lease.TakenOver);
        }

        var e = outcome.Error!;
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            throw new DeployException(DeployErrorCode.Cancelled, $"The update was cancelled at step '{outcome.FailedStep}'; its journal stays in {_options.JournalPath} and the next run rolls it back.", e) { Host = _host.Name, Path = _options.Directory };
        }

        DockerLog.RollingBack(_logger, _host.Name, outcome.FailedStep ?? "", e.Message);
        if (outcome.RollbackFailures.Count > 0)
        {
            var rollback = outcome.RollbackFailures[0].Error;
            throw new DeployException(DeployErrorCode.RollbackFailed, $"The update failed at step '{outcome.FailedStep}' ({e.Message}) and the rollback failed too ({rollback.Message}). The original files are in {context.BackupDirectory}; the journal {_options.JournalPath} lists them.", rollback) { Host = _host.Name, Path = context.BackupDirectory };
        }

        await CloseJournalAsync(context, journal, "rolledback", CancellationToken.None).ConfigureAwait(false);
        var code = e switch { DeployException d => d.Code, IOException => DeployErrorCode.RemoteIoFailed, _ => DeployErrorCode.Unknown };
        throw new DeployException(code, $"The update failed at step '{outcome.FailedStep}': {e.Message} It was rolled back: the files are restored and the services run their previous images.", e) { Host = _host.Name, Path = _options.Directory };
    }

    /// <summary>
    /// Rolls back an interrupted update found on the target (restores its backed-up files, restarts its services on
    /// them and checks they run their previous images), under the deployment's lock; <c>null</c> when none is pending.
    /// </summary>
    public async Task<RecoveryResult?> RecoverAsync(IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var lease = await Lock().AcquireAsync(ImageUpdateRecord.Kind, progress, cancellationToken).ConfigureAwait(false);
        var result = await RecoverLockedAsync(lease, progress, cancellationToken).ConfigureAwait(false);
        await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<RecoveryResult?> RecoverLockedAsync(LockLease lease, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var journal = await Journal().ReadAsync<ImageUpdateRecord>(ImageUpdateRecord.Kind, cancellationToken).ConfigureAwait(false);
        if (journal is null)
        {
            return null;
        }

        DockerLog.Recovering(_logger, journal.Id, _options.Directory, _host.Name);
        var record = journal.Payload;
        var context = new UpdateContext(_host, _engine, _options with { RestartScript = record.RestartScript, RestartArguments = record.RestartArguments }, _logger, _time, journal.Id, record);
        var failures = await Runner(null).RollBackAsync(journal, context, progress, cancellationToken).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            throw new DeployException(DeployErrorCode.RollbackFailed, $"Rolling back the interrupted update {journal.Id} failed: {failures[0].Error.Message}", failures[0].Error) { Host = _host.Name, Path = _options.JournalPath };
        }

        await CloseJournalAsync(context, journal, "rolledback", cancellationToken).ConfigureAwait(false);
        return new RecoveryResult(journal.Id, InterruptedAt(journal), context.RestoredFiles, record.Services.Select(s => s.Service).Distinct().ToList(), lease.TakenOver);
    }

    /// <summary>The last step the interrupted run completed (<c>plan</c> when none).</summary>
    private static string InterruptedAt(OperationJournal<ImageUpdateRecord> journal)
        => journal.CompletedCount == 0 ? "plan" : journal.Steps[journal.CompletedCount - 1].Name;

    /// <summary>Closes the journal: it moves beside the backups it describes, with its outcome, so nothing is pending.</summary>
    private async Task CloseJournalAsync(UpdateContext context, OperationJournal<ImageUpdateRecord> journal, string outcome, CancellationToken cancellationToken)
    {
        var steps = journal.Steps.Select(s => s with { State = outcome == "completed" ? StepState.Completed : StepState.RolledBack }).ToArray();
        var closed = journal with { Steps = steps, Payload = context.Record with { Outcome = outcome } };
        await new JournalStore(_host, PosixPath.Combine(context.BackupDirectory, "journal.json")).WriteAsync(closed, cancellationToken).ConfigureAwait(false);
        await Journal().DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private HostLock Lock() => new(_host, _options.LockPath, _options.Lock with { TimeProvider = _time });

    private JournalStore Journal() => new(_host, _options.JournalPath);

    /// <summary>The update's steps, in order.</summary>
    internal static IReadOnlyList<IOperationStep<UpdateContext>> CreateSteps()
        => [new BackupFilesStep(), new LoadImagesStep(), new EditFilesStep(), new RestartStep(), new VerifyStep()];

    private OperationRunner<UpdateContext, ImageUpdateRecord> Runner(IOperationObserver? observer) => new(
        Journal(),
        ImageUpdateRecord.Kind,
        CreateSteps(),
        c => c.Record,
        new OperationRunOptions { Observer = observer, DeleteJournalWhenDone = false, TimeProvider = _time, Logger = _logger });

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
