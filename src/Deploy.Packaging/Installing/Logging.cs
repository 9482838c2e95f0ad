using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Installing;

internal static partial class Logging
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Installing {Package} ({Type}) on {Host} into {Root}")]
    public static partial void Installing(ILogger logger, string package, string type, string host, string root);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Found an unfinished install of {Package} on {Host}; rolling it back")]
    public static partial void Recovering(ILogger logger, string package, string host);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Stopping process {Pid} ({Name}) on {Host} (force)")]
    public static partial void Stopping(ILogger logger, int pid, string name, string host);
}
