using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts;

/// <summary>Source-generated log messages of the host layer. Command lines logged here are already redacted.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "[{Host}] $ {Command}")]
    public static partial void CommandStarting(ILogger logger, string host, string command);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "[{Host}] exit {ExitCode} in {Milliseconds:0.0} ms: {Command}")]
    public static partial void CommandFinished(ILogger logger, string host, string command, int exitCode, double milliseconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Trace, Message = "[{Host}] {Line}")]
    public static partial void OutputLine(ILogger logger, string host, string line);
}
