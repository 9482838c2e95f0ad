using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Installing;

/// <summary>Options of <see cref="PackageInstaller"/>.</summary>
public sealed record PackageInstallOptions
{
    /// <summary>The base folder; each package type installs into <c>&lt;base&gt;/&lt;component&gt;</c>.
    /// <value>The default is <c>/opt/rdb</c>.</value></summary>
    public string InstallBase { get; init; } = "/opt/rdb";

    /// <summary>The Python virtualenv wheels are installed into. <value>The default is <c>/opt/rdb/venv</c>.</value></summary>
    public string VirtualEnv { get; init; } = "/opt/rdb/venv";

    /// <summary>Extra arguments for <c>rpm -Uvh</c>, e.g. <c>--root</c>/<c>--dbpath</c>. <value>Empty by default.</value></summary>
    public IReadOnlyList<string> RpmArguments { get; init; } = [];

    /// <summary>The command that restarts the tool, run in <c>current</c>; <c>null</c> runs <c>tools/restart</c>
    /// when the release has one. <value>The default is <c>null</c>.</value></summary>
    public IReadOnlyList<string>? RestartCommand { get; init; }

    /// <summary>How long stopped processes get to exit after SIGTERM before SIGKILL. <value>10 seconds.</value></summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many releases are kept (the current one included). <value>The default is 3.</value></summary>
    public int KeepReleases { get; init; } = 3;

    /// <summary>How the package is verified. <value>Default reader options.</value></summary>
    public PackageReadOptions Read { get; init; } = new();

    /// <summary>Package types and their strategies. <value><see cref="PackageTypeRegistry.Default"/>.</value></summary>
    public PackageTypeRegistry Registry { get; init; } = PackageTypeRegistry.Default;

    /// <summary>A local folder for extracting the package; <c>null</c> for the system temp folder.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>How the install root's lock (<c>&lt;root&gt;/.deploy/lock</c>) is held: heartbeat, staleness, takeover;
    /// its clock is <see cref="TimeProvider"/>. <value>Default lock options: a stale lock is taken over with a note.</value></summary>
    public HostLockOptions Lock { get; init; } = new();

    /// <summary>Called at every step boundary of the install (tests pause or stop there). <value>None.</value></summary>
    public IOperationObserver? Observer { get; init; }

    /// <summary>The clock (release folder names carry a timestamp). <value><see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
