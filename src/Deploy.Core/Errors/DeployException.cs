namespace Deploy.Core.Errors;

/// <summary>
/// The one exception type the SDK throws for deployment failures. <see cref="Code"/> says what kind of failure;
/// <see cref="Host"/>, <see cref="Path"/> and <see cref="Command"/> say where. Messages say what was expected,
/// what was found and what to do. Messages never contain secrets.
/// </summary>
public class DeployException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public DeployException(DeployErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What kind of failure this is.</summary>
    public DeployErrorCode Code { get; }

    /// <summary>The host the failure happened on, where known.</summary>
    public string? Host { get; init; }

    /// <summary>The path (local, remote, archive entry or configuration field) involved, where known.</summary>
    public string? Path { get; init; }

    /// <summary>The command involved (already redacted), where known.</summary>
    public string? Command { get; init; }

    /// <summary>The exit code of <see cref="Command"/>, where known.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The service concerned (a compose service, a sequence service), when known.</summary>
    public string? Service { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var where = string.Join(", ", new[]
        {
            Host is null ? null : $"host={Host}",
            Path is null ? null : $"path={Path}",
            Command is null ? null : $"command={Command}",
            ExitCode is null ? null : $"exit={ExitCode}",
            Service is null ? null : $"service={Service}",
        }.Where(s => s is not null));
        return $"{nameof(DeployException)} [{Code}] {Message}{(where.Length > 0 ? $" ({where})" : "")}{Environment.NewLine}{StackTrace}";
    }
}
