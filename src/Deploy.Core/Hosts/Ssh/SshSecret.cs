using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Where a password or key passphrase comes from: an environment variable, a file, or a callback. The value is read
/// only when a connection needs it and is never logged, shown by <see cref="ToString"/>, or put in an exception
/// message; only the source (the variable's name, the file's path) is.
/// </summary>
public sealed class SshSecret
{
    private readonly Func<CancellationToken, ValueTask<string?>> _read;

    private SshSecret(string source, Func<CancellationToken, ValueTask<string?>> read)
    {
        Source = source;
        _read = read;
    }

    /// <summary>Where the secret comes from, for messages (never the value).</summary>
    public string Source { get; }

    /// <summary>The value of environment variable <paramref name="name"/> (read at connect time).</summary>
    public static SshSecret FromEnvironment(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new SshSecret("environment variable " + name, _ => ValueTask.FromResult(Environment.GetEnvironmentVariable(name)));
    }

    /// <summary>The content of file <paramref name="path"/>, without one trailing newline (read at connect time).</summary>
    public static SshSecret FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SshSecret("file " + path, async ct =>
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        });
    }

    /// <summary>The value <paramref name="callback"/> returns (called at each connect; e.g. a vault lookup or a prompt).</summary>
    public static SshSecret FromCallback(Func<CancellationToken, ValueTask<string>> callback, string description = "callback")
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentException.ThrowIfNullOrEmpty(description);
        return new SshSecret(description, async ct => await callback(ct).ConfigureAwait(false));
    }

    /// <summary>Reads the value; <see cref="DeployErrorCode.AuthenticationFailed"/> when the source has none.</summary>
    internal async Task<string> ReadAsync(string host, CancellationToken cancellationToken)
    {
        var value = await _read(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(value))
        {
            throw new DeployException(DeployErrorCode.AuthenticationFailed, $"No secret for {host}: {Source} is unset or empty.") { Host = host };
        }

        return value;
    }

    /// <summary>The source, never the value.</summary>
    public override string ToString() => "SshSecret(" + Source + ")";
}
