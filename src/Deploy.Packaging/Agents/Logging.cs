using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Agents;

internal static partial class Logging
{
    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Agent {App}: index serial {Serial} verified, running {Current}, candidate {Candidate}")]
    public static partial void Checked(ILogger logger, string app, long serial, string? current, string? candidate);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Agent {App}: trusting rotated key {KeyId} (replaces {Replaces})")]
    public static partial void KeyRotated(ILogger logger, string app, string keyId, string? replaces);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "Agent {App}: updated {From} -> {To}")]
    public static partial void Updated(ILogger logger, string app, string? from, string to);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "Agent {App}: {Version} failed and was rolled back; marked bad")]
    public static partial void RolledBack(ILogger logger, Exception exception, string app, string version);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Warning, Message = "Agent {App}: an interrupted update to {Version} was resolved; running {Current}")]
    public static partial void Resolved(ILogger logger, string app, string version, string? current);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning, Message = "Feed {Feed}: read failed, attempt {Attempt} in {Delay}: {Reason}")]
    public static partial void FeedRetrying(ILogger logger, Uri feed, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Information, Message = "Agent {App}: {Version} assembled from the delta against {BaseVersion} ({DeltaBytes} bytes instead of {FullBytes})")]
    public static partial void DeltaUsed(ILogger logger, string app, string baseVersion, string version, long deltaBytes, long fullBytes);

    [LoggerMessage(EventId = 3308, Level = LogLevel.Warning, Message = "Agent {App}: the delta from {BaseVersion} to {Version} was not used, falling back to the full package: {Reason}")]
    public static partial void DeltaFallback(ILogger logger, string app, string baseVersion, string version, string reason);

    [LoggerMessage(EventId = 3309, Level = LogLevel.Error, Message = "Agent {App}: rolled back to {Version}, which is not healthy either: {Reason}")]
    public static partial void RollbackUnhealthy(ILogger logger, string app, string version, string reason);
}
