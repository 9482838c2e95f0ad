using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Turns what the ssh client printed on a failed connection into a typed <see cref="DeployException"/>.</summary>
internal static class SshErrors
{
    /// <summary>Whether an exit of 255 with this stderr is the ssh client's own failure rather than the remote command's.</summary>
    public static bool IsTransportFailure(int exitCode, string stderr)
        => exitCode == 255 && (stderr.Length == 0 || Markers.Any(m => stderr.Contains(m, StringComparison.OrdinalIgnoreCase)));

    private static readonly string[] Markers =
    [
        "ssh:", "Connection", "connection", "mux_client", "Control socket", "ControlSocket", "closed by remote host",
        "Permission denied", "Host key", "HOST IDENTIFICATION", "kex_exchange", "client_loop", "Broken pipe",
        "Could not resolve", "Network is unreachable", "No route to host", "timed out", "host key",
    ];

    /// <summary>Maps a failed connection to an error a caller can act on. Transient kinds are <see cref="SshTransportException"/>.</summary>
    public static DeployException Classify(string host, string stderr, string? command = null)
    {
        var detail = Summarize(stderr);
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal) || stderr.Contains("has changed and you have requested strict checking", StringComparison.Ordinal))
        {
            return new DeployException(DeployErrorCode.HostKeyMismatch,
                $"The host key of {host} differs from the one in known_hosts: the host was reinstalled, or someone is intercepting the connection. Verify the new key out of band, then replace the old entry (ssh-keygen -R). ssh said: {detail}")
            { Host = host, Command = command };
        }

        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal) || stderr.Contains("host key is known for", StringComparison.Ordinal))
        {
            return new DeployException(DeployErrorCode.HostKeyUnknown,
                $"The host key of {host} is not in the known_hosts file. Add it (ssh-keyscan, verified out of band) or set HostKeyPolicy.AcceptNew for a trusted first contact. ssh said: {detail}")
            { Host = host, Command = command };
        }

        if (stderr.Contains("Permission denied", StringComparison.Ordinal) || stderr.Contains("Too many authentication failures", StringComparison.Ordinal))
        {
            return new DeployException(DeployErrorCode.AuthenticationFailed,
                $"{host} refused the credentials: check the user and the identity file, and that its public key is in the user's authorized_keys. ssh said: {detail}")
            { Host = host, Command = command };
        }

        if (stderr.Contains("timed out", StringComparison.OrdinalIgnoreCase))
        {
            return new SshTransportException(DeployErrorCode.Timeout, $"Connecting to {host} timed out. Check the address, port and firewall. ssh said: {detail}")
            { Host = host, Command = command };
        }

        return new SshTransportException(DeployErrorCode.HostUnreachable,
            $"The SSH transport to {host} failed{(detail.Length > 0 ? ": " + detail : " (ssh exited with 255 and printed nothing)")}. Check that the host is up and sshd runs.")
        { Host = host, Command = command };
    }

    private static string Summarize(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("@@@", StringComparison.Ordinal) && !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal))
            .ToArray();
        var text = string.Join(" | ", lines.TakeLast(4));
        return text.Length > 600 ? text[^600..] : text;
    }
}
