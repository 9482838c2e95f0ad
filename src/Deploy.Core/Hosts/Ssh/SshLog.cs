using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Source-generated log messages of <see cref="SshHost"/>. Command lines logged here are already redacted.</summary>
internal static partial class SshLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "[{Host}] master connection up in {Milliseconds:0.0} ms")]
    public static partial void MasterStarted(ILogger logger, string host, double milliseconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "[{Host}] master connection closed")]
    public static partial void MasterClosed(ILogger logger, string host);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "[{Host}] remote session {Session} started")]
    public static partial void SessionStarted(ILogger logger, string host, int session);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "[{Host}] transport failure, retry {Attempt} in {Delay}: {Reason}")]
    public static partial void Retrying(ILogger logger, string host, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "[{Host}] killing the remote command after {Reason}: {Command}")]
    public static partial void KillingRemote(ILogger logger, string host, string reason, string command);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "[{Host}] uploaded {Files} files, {Bytes} bytes in {Milliseconds:0.0} ms")]
    public static partial void Uploaded(ILogger logger, string host, int files, long bytes, double milliseconds);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Debug, Message = "[{Host}] ciphers offered in the order {Ciphers}")]
    public static partial void CipherOrder(ILogger logger, string host, string ciphers);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Debug, Message = "[{Host}] upload laid out again on a check: {Anchor} is not a writable directory")]
    public static partial void GuessMissed(ILogger logger, string host, string anchor);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Debug, Message = "[{Host}] upload of {Files} files split into two streams, extracted at once")]
    public static partial void Split(ILogger logger, string host, int files);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "[{Host}] has no perl to extract a split upload: its uploads go in one stream from now on")]
    public static partial void SplitRefused(ILogger logger, string host);
}
