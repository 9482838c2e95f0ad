using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Installing;

internal static partial class Logging
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Installing {Package} ({Type}) on {Host} into {Root}")]
    public static partial void Installing(ILogger logger, string package, string type, string host, string root);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Step {Step} on {Host}")]
    public static partial void Step(ILogger logger, string step, string host);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Step {Step} failed on {Host}; rolling back")]
    public static partial void StepFailed(ILogger logger, Exception exception, string step, string host);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Found an unfinished install of {Package} on {Host}; rolling it back")]
    public static partial void Recovering(ILogger logger, string package, string host);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Stopping process {Pid} ({Name}) on {Host} (force)")]
    public static partial void Stopping(ILogger logger, int pid, string name, string host);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Rollback of step {Step} failed on {Host}")]
    public static partial void RollbackFailed(ILogger logger, Exception exception, string step, string host);
}
