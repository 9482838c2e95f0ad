using Microsoft.Extensions.Logging;

namespace Deploy.Core.Fleet;

/// <summary>Source-generated log messages of the fleet runner.</summary>
internal static partial class FleetLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Batch {Batch}/{BatchCount}: {Hosts}")]
    public static partial void BatchStarting(ILogger logger, int batch, int batchCount, string hosts);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "[{Host}] succeeded in {Milliseconds:0.0} ms")]
    public static partial void HostSucceeded(ILogger logger, string host, double milliseconds);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "[{Host}] failed after {Milliseconds:0.0} ms: {Reason}")]
    public static partial void HostFailed(ILogger logger, string host, double milliseconds, string reason);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Error, Message = "Rollout aborted: {Reason}")]
    public static partial void RolloutAborted(ILogger logger, string reason);
}
