using System.Net.Sockets;
using Deploy.Core.Errors;
using Renci.SshNet.Common;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// Turns SSH.NET's exceptions into the same <see cref="DeployErrorCode"/>s the OpenSSH transport reports. Messages
/// name the host and what to do; they never carry a password or passphrase (SSH.NET's own messages do not either).
/// </summary>
internal static class ManagedErrors
{
    /// <summary>Maps a failure to connect; <paramref name="hostKey"/> is the verdict the host key check reached, if any.</summary>
    public static DeployException Connect(string host, Exception e, KnownHosts.Verdict? hostKey)
    {
        switch (hostKey)
        {
            case KnownHosts.Verdict.Changed:
                return new DeployException(DeployErrorCode.HostKeyMismatch,
                    $"The host key of {host} differs from the one in known_hosts: the host was reinstalled, or someone is intercepting the connection. Verify the new key out of band, then replace the old entry (ssh-keygen -R).", e)
                { Host = host };
            case KnownHosts.Verdict.Unknown or KnownHosts.Verdict.KnownForOtherTypes:
                return new DeployException(DeployErrorCode.HostKeyUnknown,
                    $"The host key of {host} is not in the known_hosts file{(hostKey == KnownHosts.Verdict.KnownForOtherTypes ? " (only keys of other types are)" : "")}. Add it (ssh-keyscan, verified out of band) or set HostKeyPolicy.AcceptNew for a trusted first contact.", e)
                { Host = host };
        }

        return e switch
        {
            DeployException d => d,
            SshAuthenticationException => new DeployException(DeployErrorCode.AuthenticationFailed,
                $"{host} refused the credentials: check the user, the password source or identity file, and that the server allows that method. SSH.NET said: {e.Message}", e)
            { Host = host },
            SshPassPhraseNullOrEmptyException or SshException when IsKeyFileProblem(e) => new DeployException(DeployErrorCode.AuthenticationFailed,
                $"The identity file for {host} could not be read: it needs a passphrase (IdentityPassphrase), the passphrase is wrong, or the format is not an OpenSSH/PEM private key.", e)
            { Host = host },
            SshOperationTimeoutException or TimeoutException => new SshTransportException(DeployErrorCode.Timeout,
                $"Connecting to {host} timed out. Check the address, port and firewall.", e)
            { Host = host },
            OperationCanceledException => throw new OperationCanceledException("Connecting was cancelled.", e),
            _ => Transport(host, e),
        };
    }

    /// <summary>A transient transport failure (connection refused, reset or dropped): retried for idempotent work.</summary>
    public static SshTransportException Transport(string host, Exception e, string? command = null)
        => new(DeployErrorCode.HostUnreachable,
            $"The SSH transport to {host} failed: {e.Message}{(e is SocketException s ? $" ({s.SocketErrorCode})" : "")}. Check that the host is up and sshd runs.", e)
        { Host = host, Command = command };

    /// <summary>Whether an exception is SSH.NET reporting that the connection (not the command) failed.</summary>
    public static bool IsTransport(Exception e)
        => e is SshConnectionException or SocketException or ProxyException or ObjectDisposedException or SshOperationTimeoutException
            || (e is InvalidOperationException && e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase))
            || (e is SshException && e.Message.Contains("channel", StringComparison.OrdinalIgnoreCase));

    private static bool IsKeyFileProblem(Exception e)
        => e.Message.Contains("passphrase", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("private key", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("key file", StringComparison.OrdinalIgnoreCase);
}
