using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Planning;

/// <summary>What one plan step does.</summary>
public enum StepKind
{
    /// <summary>Stop a previously configured runtime service.</summary>
    StopService,
    /// <summary>Run an install, startup or remove service once (exit code and output captured).</summary>
    RunService,
    /// <summary>Remove a service definition (script or unit) from the target.</summary>
    DeleteService,
    /// <summary>Create a service definition (script or unit) on the target.</summary>
    CreateService,
    /// <summary>Transfer changed files in one bulk upload (atomic placement, mode and full-precision mtime kept).</summary>
    TransferFiles,
    /// <summary>Delete files that are no longer deployed.</summary>
    DeleteFiles,
    /// <summary>Start a runtime service.</summary>
    StartService,
    /// <summary>Wait for the StartupTimeout of the component(s) that restarted the target.</summary>
    WaitStartupTimeout,
    /// <summary>Record the new state on the target (always last).</summary>
    CommitState,
}

/// <summary>What the plan does to one component as a whole.</summary>
public enum ComponentAction
{
    /// <summary>Nothing.</summary>
    None,
    /// <summary>Only files with ChangeEvent=Ignore change: they are transferred, the component keeps running.</summary>
    Update,
    /// <summary>Only remove services changed: those service definitions are recreated, the component keeps running.</summary>
    RecreateRemoveServices,
    /// <summary>Stop previous services, run current startup services, start current runtime services.</summary>
    Restart,
    /// <summary>Stop previous services, run previous remove, current install, startup, runtime.</summary>
    Reinstall,
    /// <summary>A new component: install, startup, runtime.</summary>
    Install,
    /// <summary>A component no longer defined: stop, run its remove services, delete its files and services.</summary>
    Remove,
}
