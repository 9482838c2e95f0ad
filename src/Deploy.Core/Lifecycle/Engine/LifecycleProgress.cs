namespace Deploy.Core.Lifecycle.Engine;

/// <summary>What happened (see <see cref="LifecycleProgress"/>).</summary>
public enum LifecycleEventKind
{
    /// <summary>The plan is made.</summary>
    Planned,
    /// <summary>An interrupted operation is being resumed.</summary>
    Resuming,
    /// <summary>A step (service on host) started.</summary>
    StepStarted,
    /// <summary>A step completed.</summary>
    StepCompleted,
    /// <summary>A line of a hook's or service's output (prefixed with <c>[service@host]</c>).</summary>
    Output,
    /// <summary>A hook ran past its timeout and was killed.</summary>
    HookTimedOut,
    /// <summary>A test hook passed.</summary>
    TestPassed,
    /// <summary>A test hook failed.</summary>
    TestFailed,
    /// <summary>The operation failed and is being rolled back.</summary>
    RollingBack,
    /// <summary>A release record was written on the targets.</summary>
    Recorded,
    /// <summary>Something worth a note (e.g. a stale lock taken over).</summary>
    Warning,
    /// <summary>A service's files were placed on a host; <see cref="LifecycleProgress.Bytes"/> says how many bytes were sent.</summary>
    Transferred,
    /// <summary>The run's phases and their wall times, in one line (<c>timings: lock 12 ms, ...</c>; also
    /// <see cref="LifecycleResult.Phases"/>); on the hosts backend also, with <see cref="LifecycleProgress.Host"/> set,
    /// one placement's sequence-apply phases (<c>[svc@host] sequence apply: scan 0+3 ms, ...</c>).</summary>
    Timings,
}

/// <summary>A typed progress event of a lifecycle operation.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Message">A readable line (already prefixed with <c>[service@host]</c> where one applies).</param>
public sealed record LifecycleProgress(LifecycleEventKind Kind, string Message)
{
    /// <summary>The service concerned, if any.</summary>
    public string? Service { get; init; }

    /// <summary>The host concerned, if any.</summary>
    public string? Host { get; init; }

    /// <summary>For <see cref="LifecycleEventKind.Transferred"/>: the bytes sent to the host (files the target did not
    /// have with that content). <value><c>null</c> for other events.</value></summary>
    public long? Bytes { get; init; }
}
