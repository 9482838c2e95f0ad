using Microsoft.Extensions.Logging;

namespace Deploy.Docker.Engine;

/// <summary>Source-generated log messages of the Docker layer.</summary>
internal static partial class DockerLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Docker on {Host}: engine {Server}, compose {Flavor} {Compose}")]
    public static partial void Detected(ILogger logger, string host, string server, ComposeFlavor flavor, string compose);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Loaded {Archive} on {Host}: {References}")]
    public static partial void Loaded(ILogger logger, string archive, string host, string references);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Update step {Step} on {Host}")]
    public static partial void Step(ILogger logger, string step, string host);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Update failed on {Host} at step {Step}; rolling back: {Reason}")]
    public static partial void RollingBack(ILogger logger, string host, string step, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Interrupted update {Id} found in {Directory} on {Host}; rolling it back")]
    public static partial void Recovering(ILogger logger, string id, string directory, string host);
}
