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

/// <summary>What a failing install, startup or remove service (or a runtime service that cannot start) does.</summary>
public enum ErrorHandling
{
    /// <summary>The default: the apply stops with <see cref="Errors.DeployErrorCode.ServiceFailed"/>; the journal stays,
    /// so the next apply resumes at the failed step.</summary>
    Stop,
    /// <summary>The failure is reported as a progress event and the apply continues.</summary>
    Continue,
}
