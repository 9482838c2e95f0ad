namespace Deploy.Core.Sequence.Model;

/// <summary>What a change to one file does to its component (exOS <c>ChangeEvent</c>).</summary>
public enum ChangeEvent
{
    /// <summary>The file is transferred; the component keeps running.</summary>
    Ignore,
    /// <summary>The component restarts: its services stop, startup services run, runtime services start.</summary>
    Restart,
    /// <summary>The component is reinstalled: stop, previous remove, current install, startup, runtime.</summary>
    Reinstall,
}

/// <summary>How a component takes part in restarts (exOS <c>RestartEvent</c>).</summary>
public enum RestartEvent
{
    /// <summary>The default: the component restarts when its own files or services require it, and with the target.</summary>
    Component,
    /// <summary>When this component restarts, the whole target restarts: every other component (except
    /// <see cref="Ignore"/>) stops and restarts, and their runtime services start after this component's
    /// <see cref="Component.StartupTimeout"/>.</summary>
    Target,
    /// <summary>Target-wide restarts (initial start, target-configuration change, a <see cref="Target"/> component)
    /// leave this component alone; its own file and service changes still apply.</summary>
    Ignore,
}

/// <summary>The four kinds of exOS services.</summary>
public enum ServiceKind
{
    /// <summary>Run once when the component is (re)installed, e.g. <c>dpkg -i x.deb</c>.</summary>
    Install,
    /// <summary>Run once each time the component starts, before its runtime services.</summary>
    Startup,
    /// <summary>A long-running process, stopped and started with the component.</summary>
    Runtime,
    /// <summary>Run once when the component is uninstalled (before a reinstall or when it is removed).</summary>
    Remove,
}

/// <summary>
/// What a failing install, startup or remove service, or a runtime service that cannot start or exits within its
/// settle period, does. exOS names the three values <c>Target</c> (<see cref="Stop"/>), <c>Component</c>
/// (<see cref="Component"/>) and <c>Ignore</c> (<see cref="Continue"/>); <see cref="ErrorHandlings.Parse"/> reads both spellings.
/// </summary>
public enum ErrorHandling
{
    /// <summary>exOS <c>Target</c>, the default: the apply stops with <see cref="Errors.DeployErrorCode.ServiceFailed"/>;
    /// the journal records the steps that completed, so the next apply resumes at the failed step.</summary>
    Stop,
    /// <summary>exOS <c>Ignore</c>: the failure is reported (a progress warning and <see cref="Applying.ApplyResult.Failures"/>)
    /// and the apply goes on as if the service had succeeded.</summary>
    Continue,
    /// <summary>exOS <c>Component</c>: this component's remaining service steps are skipped, the other components go
    /// on; the apply's result lists the failed component and is a failure overall, and the next plan completes the
    /// component (its action again) instead of calling it up to date.</summary>
    Component,
}
