using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Installing.Steps;

namespace Deploy.Packaging.Agents;

/// <summary>
/// The agent update's install steps on the operations core: the staged-release steps of <see cref="PackageInstaller"/>
/// (stage files, switch <c>current</c> keeping the previous release, restart) plus the package's install hook before
/// the switch and the health check after the restart. A failure anywhere, or a kill found by the next run, rolls back in
/// reverse: <c>current</c> points at the previous release again, which is restarted, and the new release is removed.
/// </summary>
/// <remarks>With an <see cref="AgentService"/> the process supervisor restarts the agent: the step before the switch
/// restarts whatever <c>current</c> names once the switch has been rolled back (the previous release).</remarks>
/// <remarks>With an assembled release (a delta, see <see cref="DeltaRelease"/>) the first step moves that folder into
/// place instead of uploading the package; it has the same name and rollback as the upload, so a kill is recovered the
/// same way.</remarks>
internal sealed class AgentInstallStrategy(AgentHealthCheck? health, HttpClient http, AgentService? service = null, string? assembled = null) : IPackageInstallStrategy
{
    public LauncherProfile? Launcher => null;

    public IReadOnlyList<ProcessQuery> BackgroundProcesses(InstallContext context) => [];

    public IReadOnlyList<IOperationStep<InstallContext>> CreateSteps(InstallContext context)
        => service is null
            ? [Stage(), new InstallHookStep(), new SwitchCurrentStep(restartOnRollback: true), new RestartToolStep(), new HealthCheckStep(health, http)]
            : [Stage(), new InstallHookStep(), new ServiceRestartStep(service, onRollback: true), new SwitchCurrentStep(restartOnRollback: false), new ServiceRestartStep(service, onRollback: false), new HealthCheckStep(health, http, service)];

    private IOperationStep<InstallContext> Stage() => assembled is null ? new StageFilesStep() : new PlaceAssembledStep(assembled);
}

/// <summary>Moves a release assembled on the target from a delta into the release folder (one rename). Its name and
/// rollback are <see cref="StageFilesStep"/>'s: the release folder (and the assembly folder) are removed.</summary>
internal sealed class PlaceAssembledStep(string folder) : IOperationStep<InstallContext>
{
    public string Name => new StageFilesStep().Name;

    /// <remarks>The move itself refuses an existing release folder (no overwrite): no check of its own.</remarks>
    public Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
        => context.Host.MoveAsync(folder, context.ReleaseDirectory, false, cancellationToken);

    public async Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
    {
        await new StageFilesStep().RollbackAsync(context, cancellationToken).ConfigureAwait(false);
        await context.Host.RemoveAsync(folder, recursive: true, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Restarts the agent's supervised service: on apply (after the switch), or on rollback (placed before the
/// switch, so it runs once <c>current</c> names the previous release again; on a first install it stops the service).</summary>
internal sealed class ServiceRestartStep(AgentService service, bool onRollback) : IOperationStep<InstallContext>
{
    public string Name => onRollback ? "restart previous on rollback" : "restart";

    public Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
        => onRollback ? Task.CompletedTask : service.RestartAsync(context, cancellationToken);

    public Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
        => !onRollback ? Task.CompletedTask
            : context.PreviousRelease is null ? service.StopAsync(context, cancellationToken)
            : service.RestartAsync(context, cancellationToken);
}

/// <summary>Runs the release's install hook, <c>hooks/install</c>, in the new release folder before the switch (e.g.
/// <c>python setup.py install</c> into the release's own venv). Its rollback is the release folder's removal.</summary>
internal sealed class InstallHookStep : IOperationStep<InstallContext>
{
    public const string HookPath = "hooks/install";

    public string Name => "install hook";

    public async Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        // Whether the release has a hook and its run are one command (one round trip per host).
        await context.Host.RunAsync(
            new CommandSpec(["/bin/sh", "-c", RestartToolStep.RunIfPresent, "sh", HookPath])
            {
                WorkingDirectory = context.ReleaseDirectory,
                Timeout = TimeSpan.FromMinutes(30),
                Environment = new Dictionary<string, string> { ["DEPLOY_RELEASE_DIR"] = context.ReleaseDirectory, ["DEPLOY_PREVIOUS_RELEASE"] = context.PreviousRelease ?? "" },
            },
            cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    public Task RollbackAsync(InstallContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Waits for the restarted release's health check within the commit window; nothing to undo itself (the
/// switch's rollback restores and restarts the previous release).</summary>
internal sealed class HealthCheckStep(AgentHealthCheck? health, HttpClient http, AgentService? service = null) : IOperationStep<InstallContext>
{
    public string Name => "health check";

    public Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
        => health is null ? Task.CompletedTask : health.WaitHealthyAsync(context.Host, context.CurrentLink, http, context.Options.TimeProvider, cancellationToken, service is null ? null : ct => service.StatusAsync(context.Host, context.InstallRoot, ct));

    public Task RollbackAsync(InstallContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
