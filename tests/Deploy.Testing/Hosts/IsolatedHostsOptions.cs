namespace Deploy.Testing.Hosts;

/// <summary>How <see cref="IsolatedHosts"/> builds its hosts.</summary>
public sealed record IsolatedHostsOptions
{
    /// <summary>The port every host's sshd listens on (each host has its own address). <value>The default is 22,
    /// so an inventory entry needs no port, as for a real server.</value></summary>
    public int Port { get; init; } = 22;

    /// <summary>Which rc files the SSH login shell runs. <value>The default is <see cref="LoginShell.Clean"/>.</value></summary>
    public LoginShell LoginShell { get; init; } = LoginShell.Clean;

    /// <summary>
    /// The directories each host gets as its own empty tmpfs. <c>/tmp</c> is mounted sticky and world-writable;
    /// the login user's home is created on <c>/home</c> (keep it in the list). <value>The default is <c>/opt</c>,
    /// <c>/var/lib</c>, <c>/home</c>, <c>/tmp</c> and <c>/run</c>.</value>
    /// </summary>
    public IReadOnlyList<string> PrivateDirectories { get; init; } = ["/opt", "/var/lib", "/home", "/tmp", "/run"];

    /// <summary>The non-root login user every host has (sudo with a password). <value>The default is <c>deploy</c>.</value></summary>
    public string UserName { get; init; } = "deploy";

    /// <summary>The login user's password (sudo asks for it); <c>null</c> for a random one per test process.
    /// <value>The default is <c>null</c>.</value></summary>
    public string? Password { get; init; }

    /// <summary>Whether sshd also accepts <see cref="UserName"/>'s password (for password-login tests; root still needs
    /// the key). <value>The default is <c>false</c>: public keys only.</value></summary>
    public bool PasswordLogin { get; init; }

    /// <summary>
    /// Whether sshd asks <see cref="UserName"/>'s password through keyboard-interactive (PAM) instead, with
    /// <c>PasswordAuthentication no</c>: a login that succeeds can only have come through keyboard-interactive. Each
    /// host gets a minimal PAM stack (pam_unix for auth and account, pam_permit for the session) bind-mounted over
    /// its <c>/etc/pam.d/sshd</c>. <value>The default is <c>false</c>.</value>
    /// </summary>
    public bool KeyboardInteractiveLogin { get; init; }

    /// <summary>
    /// Whether plain sshd servers (<see cref="SshServer"/>, no isolation, no login user) stand in when this machine
    /// refuses mount and PID namespaces. The set then says so (<see cref="IsolatedHosts.FallbackReason"/>), and
    /// <see cref="IsolatedHosts.RequireIsolation"/> fails the tests that need isolation.
    /// <value>The default is <c>true</c>.</value>
    /// </summary>
    public bool AllowFallback { get; init; } = true;

    /// <summary>How long a host may take to answer with its SSH banner. <value>The default is 30 seconds.</value></summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where progress and the fallback notice are written (e.g. an xUnit message sink or test output).
    /// <value>The default is <c>null</c>: nowhere (the notice stays in <see cref="IsolatedHosts.Summary"/>).</value></summary>
    public Action<string>? Log { get; init; }
}
