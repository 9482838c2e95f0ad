using Deploy.Core.Errors;

namespace Deploy.Core.Hosts;

/// <summary>
/// What a command did. A non-zero exit is a result, not an exception; call <see cref="ThrowOnFailure"/> to
/// make it one.
/// </summary>
/// <param name="Command">The command line as displayed (secrets redacted).</param>
/// <param name="ExitCode">The exit code (128+N when killed by signal N where the host reports it).</param>
/// <param name="StandardOutput">Captured standard output (empty when capture was off).</param>
/// <param name="StandardError">Captured standard error (empty when capture was off).</param>
/// <param name="Duration">Wall time from start to exit.</param>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    /// <summary>The host the command ran on.</summary>
    public string? Host { get; init; }

    /// <summary>Whether the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns this result when the command succeeded; throws <see cref="DeployErrorCode.CommandFailed"/>
    /// with the exit code and the tail of stderr otherwise.</summary>
    public CommandResult ThrowOnFailure()
    {
        if (Succeeded)
        {
            return this;
        }

        var err = Tail(string.IsNullOrWhiteSpace(StandardError) ? StandardOutput : StandardError, 2000);
        throw new DeployException(DeployErrorCode.CommandFailed, $"Command exited with {ExitCode}: {Command}{(err.Length > 0 ? Environment.NewLine + err : "")}")
        {
            Host = Host,
            Command = Command,
            ExitCode = ExitCode,
        };
    }

    private static string Tail(string text, int max) => text.Length <= max ? text.TrimEnd() : "..." + text[^max..].TrimEnd();
}

/// <summary>Helpers for awaiting results.</summary>
public static class CommandResultExtensions
{
    /// <summary>Awaits the command and throws <see cref="DeployErrorCode.CommandFailed"/> when it exited non-zero.</summary>
    public static async Task<CommandResult> ThrowOnFailure(this Task<CommandResult> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var result = await task.ConfigureAwait(false);
        return result.ThrowOnFailure();
    }
}
