namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// How to reach a host over SSH, with the system OpenSSH client (<see cref="SshHost"/>, the default) or the managed
/// SSH.NET transport (<see cref="Managed.ManagedSshHost"/>), chosen by <see cref="Transport"/>; create either with
/// <see cref="SshHosts.Create"/>. Neither ever prompts: a missing key or an unknown host fails fast with a typed error.
/// </summary>
public sealed record SshHostOptions
{
    /// <summary>The host name or IP address.</summary>
    public required string Address { get; init; }

    /// <summary>The SSH port. <value>The default is 22.</value></summary>
    public int Port { get; init; } = 22;

    /// <summary>The user to log in as; <c>null</c> for ssh's default (the configuration or the local user name).</summary>
    public string? User { get; init; }

    /// <summary>The private key file (<c>-i</c>, with <c>IdentitiesOnly=yes</c>); <c>null</c> for ssh's defaults and agent.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>The known_hosts file. <value>The default is <c>~/.ssh/known_hosts</c>.</value></summary>
    public string KnownHostsFile { get; init; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>How unknown host keys are treated. <value>The default is <see cref="HostKeyPolicy.Strict"/>.</value></summary>
    public HostKeyPolicy HostKeyPolicy { get; init; } = HostKeyPolicy.Strict;

    /// <summary>Jump host(s) (<c>-J</c>, e.g. <c>admin@bastion:2222</c>); <c>null</c> for a direct connection.</summary>
    public string? ProxyJump { get; init; }

    /// <summary>The TCP connect timeout. <value>The default is 10 seconds.</value></summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The ssh client configuration file (<c>-F</c>); <c>null</c> reads the user's <c>~/.ssh/config</c> as ssh does.
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// The local directory for the ControlMaster socket; <c>null</c> for a <c>dsh-PID-*</c> directory under <c>/tmp</c>, removed when the connection is disposed (or, if this process is killed, by the next process's first connection).
    /// Keep it short: Unix socket paths are limited to about 100 bytes.
    /// </summary>
    public string? ControlDirectory { get; init; }

    /// <summary>
    /// How long the master connection stays up with no session on it, should this process die without disposing
    /// the host. <value>The default is 5 minutes.</value>
    /// </summary>
    public TimeSpan ControlPersist { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Extra <c>-o</c> options, e.g. <c>Ciphers=aes128-gcm@openssh.com</c> (name=value).</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];

    /// <summary>
    /// Persistent remote shell sessions kept for commands (each runs one command at a time); on the managed transport,
    /// how many commands run at once, each on its own channel. Commands wait when all are busy.
    /// <value>The default is 4.</value>
    /// </summary>
    public int MaxSessions { get; init; } = 4;

    /// <summary>Retries after a transient transport failure (idempotent commands and read-only operations only).
    /// <value>The default is 3.</value></summary>
    public int RetryAttempts { get; init; } = 3;

    /// <summary>The delay before the first retry; later retries back off exponentially.
    /// <value>The default is 500 ms.</value></summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A directory on the host for upload bookkeeping (the list of temporary files of an upload in progress, so a
    /// later upload can clean up after a killed one). <value>The default is <c>/tmp</c>.</value>
    /// </summary>
    public string RemoteTempDirectory { get; init; } = "/tmp";

    /// <summary>The clock for durations and retry delays. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The ssh client program. <value>The default is <c>ssh</c> (looked up on PATH).</value></summary>
    public string SshExecutable { get; init; } = "ssh";

    /// <summary>Which implementation connects. <value>The default is <see cref="SshTransport.OpenSsh"/>.</value></summary>
    public SshTransport Transport { get; init; } = SshTransport.OpenSsh;

    /// <summary>
    /// The login password (managed transport only: password and keyboard-interactive authentication); <c>null</c>
    /// for key authentication only. <value>The default is <c>null</c>.</value>
    /// </summary>
    public SshSecret? Password { get; init; }

    /// <summary>The passphrase of <see cref="IdentityFile"/> (managed transport only); <c>null</c> for an unencrypted key.
    /// <value>The default is <c>null</c>.</value></summary>
    public SshSecret? IdentityPassphrase { get; init; }

    /// <summary>How often the managed transport's connection sends a keep-alive (the OpenSSH transport always uses
    /// <c>ServerAliveInterval=15</c>). <value>The default is 15 seconds.</value></summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Which cipher the connection asks for first (both transports); see <see cref="SshCipherPreference"/>. An
    /// <c>ExtraOptions</c> entry <c>Ciphers=...</c> takes precedence over it with OpenSSH.
    /// <value>The default is <see cref="SshCipherPreference.AesGcmFirst"/>.</value>
    /// </summary>
    public SshCipherPreference CipherPreference { get; init; } = SshCipherPreference.AesGcmFirst;

    /// <summary>The display name: <c>user@address:port</c>.</summary>
    public string DisplayName => (User is null ? "" : User + "@") + Address + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
