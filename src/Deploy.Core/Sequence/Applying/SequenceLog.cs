using Deploy.Core.Sequence.Model;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Sequence.Applying;

/// <summary>The sequence applier's log messages.</summary>
internal static partial class SequenceLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "{Target}: completing an interrupted apply of {Total} steps")]
    public static partial void Resuming(ILogger logger, string target, int total);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "{Target} [{Index}/{Count}] {Step} -- {Reason}")]
    public static partial void Step(ILogger logger, string target, int index, int count, string step, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void ServiceFailedContinuing(ILogger logger, string message);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "{Target}: taking over a stale lock: {Detail}")]
    public static partial void TakingOverStaleLock(ILogger logger, string target, string detail);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "{Target}: {Count} deployed files differ on the target from the record (first: {Path} {Reason}); they are sent again")]
    public static partial void Drift(ILogger logger, string target, int count, string path, string reason);
}
