using Deploy.Core.Operations.Locking;
using Deploy.Core.Operations.Running;

namespace Deploy.Docker.Updates;

/// <summary>What to update and how: the deployment directory on the target, the archives, how to restart, and how long to verify.</summary>
public sealed record ImageUpdateOptions
{
    /// <summary>The console deployment directory on the target, e.g. <c>/console/consolev4pvt-4.1.150431</c>. Its
    /// <c>vicode/</c> subdirectory, when present, is the low-code project and is updated too.</summary>
    public required string Directory { get; init; }

    /// <summary>Local paths of the image archives (<c>docker save</c> output, plain or gzipped).</summary>
    public required IReadOnlyList<string> Archives { get; init; }

    /// <summary>
    /// The root project's compose files (relative to <see cref="Directory"/>, in order), as given to
    /// <c>compose -f</c>; <value><c>null</c> by default: compose's own choice (<c>COMPOSE_FILE</c> from <c>.env</c>,
    /// else the base file, the console's <c>docker-compose.service.yml</c> and the override file)</value>.
    /// </summary>
    public IReadOnlyList<string>? ComposeFiles { get; init; }

    /// <summary>
    /// The deployment's own restart script relative to <see cref="Directory"/> (e.g. <c>deploy.sh</c>), run with
    /// <see cref="RestartArguments"/> in the deployment directory; <value><c>null</c> by default: the affected
    /// services are recreated with <c>compose up -d --no-deps</c></value>.
    /// </summary>
    public string? RestartScript { get; init; }

    /// <summary>Arguments of the restart script; <value>the default is <c>restart</c></value>.</summary>
    public IReadOnlyList<string> RestartArguments { get; init; } = ["restart"];

    /// <summary>How long the new containers must stay up, unchanged, after they first look healthy;
    /// <value>the default is 5 seconds</value>.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for containers to run the new image (and be healthy); <value>the default is 2 minutes</value>.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often container state is polled while verifying; <value>the default is 500 ms</value>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The directory (under <see cref="Directory"/>) holding backups and the journal; <value>the default is
    /// <c>.deploy-backup</c></value>.</summary>
    public string BackupDirectoryName { get; init; } = ".deploy-backup";

    /// <summary>How the deployment's lock (<see cref="LockPath"/>) is held: heartbeat, staleness, takeover.
    /// <value>Default lock options: a lock left by a killed update is taken over with a note.</value></summary>
    public HostLockOptions Lock { get; init; } = new();

    /// <summary>Called at every step boundary of the update (tests pause, cancel or fail there). <value>None.</value></summary>
    public IOperationObserver? Observer { get; init; }

    /// <summary>The clock (verification deadlines, polling, settle time, lock and journal times).
    /// <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The deployment's lock: <c>&lt;Directory&gt;/&lt;BackupDirectoryName&gt;/lock</c>.</summary>
    public string LockPath => Deploy.Core.Hosts.PosixPath.Combine(Directory, BackupDirectoryName, "lock");

    /// <summary>The journal of an update in progress: <c>&lt;Directory&gt;/&lt;BackupDirectoryName&gt;/pending.json</c>
    /// (when the update ends it moves to <c>&lt;id&gt;/journal.json</c> beside the backups it describes).</summary>
    public string JournalPath => Deploy.Core.Hosts.PosixPath.Combine(Directory, BackupDirectoryName, "pending.json");
}
