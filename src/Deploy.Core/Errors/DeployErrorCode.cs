namespace Deploy.Core.Errors;

/// <summary>
/// What went wrong, in terms a caller can act on. Codes are grouped by area (hundreds) and are stable:
/// tools may switch on them and print them; never renumber an existing code.
/// </summary>
public enum DeployErrorCode
{
    /// <summary>An error that has no more specific code.</summary>
    Unknown = 0,

    // ---- 1xx: input and configuration ----
    /// <summary>An argument or option value is invalid.</summary>
    InvalidArgument = 100,
    /// <summary>A configuration file (inventory, target, version.json...) is malformed or has a wrong field.</summary>
    InvalidConfiguration = 101,
    /// <summary>A referenced local file or directory does not exist.</summary>
    LocalPathNotFound = 102,
    /// <summary>An input file is larger than the limit for its kind.</summary>
    InputTooLarge = 103,
    /// <summary>The operation was cancelled by the caller.</summary>
    Cancelled = 104,

    // ---- 2xx: hosts and transport ----
    /// <summary>The host could not be reached (DNS, refused, network, transport dropped).</summary>
    HostUnreachable = 200,
    /// <summary>The host refused the credentials.</summary>
    AuthenticationFailed = 201,
    /// <summary>The host presented a key that is not in known_hosts (and accepting new keys was not asked for).</summary>
    HostKeyUnknown = 202,
    /// <summary>The host presented a key that differs from the one in known_hosts.</summary>
    HostKeyMismatch = 203,
    /// <summary>An operation did not finish within its time limit.</summary>
    Timeout = 204,
    /// <summary>A command ran and exited non-zero.</summary>
    CommandFailed = 205,
    /// <summary>A path on the target does not exist.</summary>
    RemotePathNotFound = 206,
    /// <summary>A file transfer failed or was cut off.</summary>
    TransferFailed = 207,
    /// <summary>A file operation on the target failed (permissions, disk full, not a directory...).</summary>
    RemoteIoFailed = 208,
    /// <summary>A fleet rollout stopped because too many hosts failed.</summary>
    RolloutAborted = 209,
    /// <summary>A required program is missing on the target (tar, docker, systemctl...).</summary>
    ToolMissing = 210,

    // ---- 3xx: packages ----
    /// <summary>A package or its version.json is malformed.</summary>
    PackageInvalid = 300,
    /// <summary>A file does not match the package manifest (missing, extra, changed).</summary>
    ManifestMismatch = 301,
    /// <summary>The package signature is missing, invalid, or not from a trusted key.</summary>
    SignatureInvalid = 302,
    /// <summary>An archive entry is unsafe to extract (path traversal, link escape, device, setuid, bomb...).</summary>
    UnsafeArchiveEntry = 303,
    /// <summary>The package does not support the host's operating system.</summary>
    OsReleaseMismatch = 304,
    /// <summary>Background processes of the tool are running and force was not given.</summary>
    ProcessesRunning = 305,
    /// <summary>An install step failed; the previous install is intact.</summary>
    InstallFailed = 306,
    /// <summary>The package type has no registered installer strategy.</summary>
    UnknownPackageType = 307,

    // ---- 4xx: deployment sequence, state, journal ----
    /// <summary>Another apply holds the target lock.</summary>
    LockHeld = 400,
    /// <summary>A lock was found whose holder is gone; it is reported, never silently taken.</summary>
    StaleLock = 401,
    /// <summary>The state file or journal on the target cannot be read.</summary>
    StateCorrupt = 402,
    /// <summary>A component model is invalid (cycle in dependencies, duplicate target paths...).</summary>
    ModelInvalid = 403,
    /// <summary>A service action (install, startup, runtime, remove) failed.</summary>
    ServiceFailed = 404,
    /// <summary>A selected component (<c>--components</c>) is neither defined nor recorded on the target.</summary>
    ComponentUnknown = 405,

    // ---- 5xx: docker ----
    /// <summary>No Docker engine, or no compose flavour, on the host.</summary>
    DockerUnavailable = 500,
    /// <summary>An image archive is malformed.</summary>
    ImageArchiveInvalid = 501,
    /// <summary>A compose file or .systemconfig cannot be parsed or edited safely.</summary>
    ComposeFileInvalid = 502,
    /// <summary>After an update the containers did not run the expected images or did not stay up.</summary>
    VerificationFailed = 503,
    /// <summary>A rollback itself failed; manual attention is needed.</summary>
    RollbackFailed = 504,
    /// <summary>A compose value the update depends on references a variable that is defined nowhere (compose would
    /// substitute an empty string).</summary>
    ComposeVariableUndefined = 505,
    /// <summary>An image's tag lives in a variable that other services or keys use too; changing it would move them.</summary>
    ComposeTagShared = 506,

    // ---- 6xx: kubernetes ----
    /// <summary>The kubeconfig is malformed or names a missing context.</summary>
    KubeConfigInvalid = 600,
    /// <summary>The API server answered with an error status.</summary>
    KubeApiError = 601,
    /// <summary>A manifest document is not a Kubernetes object (no apiVersion, kind or metadata.name, or not YAML).</summary>
    ManifestInvalid = 602,
    /// <summary>Server-side apply found fields another field manager owns with other values; nothing was changed.</summary>
    ApplyConflict = 603,
    /// <summary>The cluster serves no resource for an object's apiVersion and kind (discovery does not list it).</summary>
    ResourceUnknown = 604,
    /// <summary>An object did not become ready (it failed, or the wait timed out); the message names it and why.</summary>
    NotReady = 605,

    // ---- 7xx: product lifecycle ----
    /// <summary>A name given in <c>--services</c> (or an add-on, middleware or schedule entry) is not a service of the product.</summary>
    UnknownService = 700,
    /// <summary>A service depends on a service the product does not have, or that the selection leaves out.</summary>
    DependencyMissing = 701,
    /// <summary>Services depend on each other in a cycle.</summary>
    DependencyCycle = 702,
    /// <summary>A config template cannot be parsed or rendered (undefined variable, syntax error); the message names the file and line.</summary>
    TemplateError = 703,
    /// <summary>A config file was edited on the target and the package changed the same lines; resolve with take-new or keep-live.</summary>
    MergeConflict = 704,
    /// <summary>A schedule cannot be made or is invalid (unknown host or service, no eligible host, too few hosts).</summary>
    ScheduleInvalid = 705,
    /// <summary>A strict precheck failed on at least one host.</summary>
    PrecheckFailed = 706,
    /// <summary>A rollback without a package needs the release's payload kept on the targets, and it was pruned (or never kept); give that release's package.</summary>
    ReleasePayloadMissing = 707,

    // ---- 8xx: agent updates (feeds, signed indexes, health-checked upgrades) ----
    /// <summary>The update feed could not be reached or answered with an error status.</summary>
    FeedUnreachable = 800,
    /// <summary>The feed's index is older than one the agent has already seen (a replayed or rolled-back index).</summary>
    IndexReplayed = 801,
    /// <summary>The feed's index is past its expiry (a frozen feed, or a stale mirror).</summary>
    IndexExpired = 802,
    /// <summary>A downloaded file's size or sha256 differs from the signed index.</summary>
    HashMismatch = 803,
    /// <summary>The requested version is not in the feed (or not in the agent's channel).</summary>
    VersionNotFound = 804,
    /// <summary>The new version did not pass its health check within the commit window; it was rolled back.</summary>
    HealthCheckFailed = 805,
    /// <summary>The agent reported itself busy (its busy hook); no upgrade was started.</summary>
    AgentBusy = 806,
    /// <summary>A key rotation announcement is malformed or not signed by a trusted key.</summary>
    KeyRotationInvalid = 807,
    /// <summary>The disk holding the download or the release is full.</summary>
    NoSpaceLeft = 808,
    /// <summary>A delta package could not rebuild the new release from the installed one (a tampered or missing
    /// installed file, another base version); the full package is used instead.</summary>
    DeltaMismatch = 809,
}
