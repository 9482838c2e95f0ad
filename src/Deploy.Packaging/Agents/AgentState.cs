namespace Deploy.Packaging.Agents;

/// <summary>
/// What an agent remembers between runs (<c>&lt;app&gt;/.deploy/agent-state.json</c>): the highest index serial it
/// has seen (and that index's hash), keys learnt from rotations, the version it runs, versions that failed, the
/// update in flight and the last outcome.
/// </summary>
public sealed record AgentState
{
    /// <summary>The highest index serial accepted so far; an older index is refused as a replay.</summary>
    public long HighestSerial { get; init; }

    /// <summary>The sha256 of the index with <see cref="HighestSerial"/>: a different index with the same serial is a replay too.</summary>
    public string? IndexSha256 { get; init; }

    /// <summary>Keys learnt from rotation announcements (SubjectPublicKeyInfo, base64).</summary>
    public IReadOnlyList<string> RotatedKeys { get; init; } = [];

    /// <summary>Ids of keys that a rotation retired: no longer trusted, even when configured.</summary>
    public IReadOnlyList<string> RetiredKeys { get; init; } = [];

    /// <summary>The version running (<c>null</c> before the first install).</summary>
    public string? CurrentVersion { get; init; }

    /// <summary>The release folder of <see cref="CurrentVersion"/>.</summary>
    public string? CurrentRelease { get; init; }

    /// <summary>The update in flight, written before the install starts; resolved by the next run when a kill left it.</summary>
    public PendingUpdate? Pending { get; init; }

    /// <summary>Versions that failed (health check, install hook); not retried until a newer version appears.</summary>
    public IReadOnlyList<BadVersion> BadVersions { get; init; } = [];

    /// <summary>How the last run ended.</summary>
    public AgentOutcome? LastOutcome { get; init; }
}

/// <summary>An update in flight.</summary>
/// <param name="Version">The version being installed.</param>
/// <param name="FromVersion">The version running before.</param>
/// <param name="PreviousRelease">The release <c>current</c> pointed to before.</param>
public sealed record PendingUpdate(string Version, string? FromVersion, string? PreviousRelease);

/// <summary>A version that failed.</summary>
/// <param name="Version">The version.</param>
/// <param name="Reason">Why (the error's message).</param>
/// <param name="At">When.</param>
public sealed record BadVersion(string Version, string Reason, DateTimeOffset At);

/// <summary>How an agent run ended.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Version">The version concerned (installed, refused or rolled back), if any.</param>
/// <param name="At">When.</param>
/// <param name="Message">A one-line explanation.</param>
public sealed record AgentOutcome(AgentOutcomeKind Kind, string? Version, DateTimeOffset At, string Message);

/// <summary>What an agent run did.</summary>
public enum AgentOutcomeKind
{
    /// <summary>The installed version is the newest eligible one.</summary>
    UpToDate,

    /// <summary>A new version was installed, passed its health check and was committed.</summary>
    Updated,

    /// <summary>A new version failed (install hook or health check) and the previous one was restored; it is marked bad.</summary>
    RolledBack,

    /// <summary>The agent reported itself busy; nothing was changed.</summary>
    Busy,

    /// <summary>The run failed before changing anything (feed, signature, hash...).</summary>
    Failed,

    /// <summary>A new version failed and the previous one was restored and restarted, but the previous one did not pass
    /// its health check either: not a clean rollback, the app needs attention.</summary>
    RolledBackUnhealthy,
}
