namespace Deploy.Core.Inventory;

/// <summary>
/// One host of a <see cref="HostInventory"/>: where it is, how to log in, its labels and its own variables.
/// Connection fields already include the inventory's <c>defaults:</c>; relative paths are resolved against the
/// inventory file's directory.
/// </summary>
/// <param name="Name">The inventory name (unique; what selectors, logs and results use).</param>
public sealed record InventoryHost(string Name)
{
    /// <summary>The DNS name or IP address to connect to. <value>The default is the host's <see cref="Name"/>.</value></summary>
    public string Address { get; init; } = Name;

    /// <summary>The SSH port; <c>null</c> for the SSH client's default (22 or its configuration).</summary>
    public int? Port { get; init; }

    /// <summary>The login user; <c>null</c> for the SSH client's default.</summary>
    public string? User { get; init; }

    /// <summary>The private key file (absolute); <c>null</c> for the SSH client's default keys and agent.</summary>
    public string? IdentityFile { get; init; }

    /// <summary>The known_hosts file (absolute) host keys are checked against; <c>null</c> for the user's default.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Jump host(s) to connect through (<c>proxy_jump:</c>, ssh <c>-J</c> syntax such as
    /// <c>admin@bastion:2222</c>); <c>null</c> for a direct connection.</summary>
    public string? ProxyJump { get; init; }

    /// <summary>The TCP connect timeout (<c>connect_timeout:</c>, in seconds); <c>null</c> for the transport's default.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Whether an unknown host key is added to known_hosts on first contact (<c>accept_new_host_keys: true</c>)
    /// instead of refused. A changed key is always refused. <value>The default is <c>false</c>.</value></summary>
    public bool AcceptNewHostKeys { get; init; }

    /// <summary>The ssh client configuration file (<c>ssh_config:</c>, absolute; <c>/dev/null</c> ignores the user's
    /// <c>~/.ssh/config</c>); <c>null</c> for ssh's default.</summary>
    public string? SshConfigFile { get; init; }

    /// <summary>Which SSH implementation reaches an SSH host (<c>transport: openssh | managed</c>).
    /// <value>The default is <see cref="Hosts.Ssh.SshTransport.OpenSsh"/>.</value></summary>
    public Hosts.Ssh.SshTransport Transport { get; init; }

    /// <summary>The environment variable holding the login password (<c>password_env:</c>; managed transport). The
    /// inventory names where the password is, never the password. <value>The default is <c>null</c>.</value></summary>
    public string? PasswordEnvironmentVariable { get; init; }

    /// <summary>The file holding the login password (<c>password_file:</c>; managed transport).
    /// <value>The default is <c>null</c>.</value></summary>
    public string? PasswordFile { get; init; }

    /// <summary>How the host is reached. <value>The default is <see cref="HostConnection.Ssh"/>.</value></summary>
    public HostConnection Connection { get; init; }

    /// <summary>For <see cref="HostConnection.Local"/> hosts: the sandbox directory target paths are mapped under.</summary>
    public string? RootDirectory { get; init; }

    /// <summary>Labels (<c>role: web</c>, <c>zone: a</c>) that label selectors match against.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Empty;

    /// <summary>The variables declared on the host itself. <see cref="HostInventory.ResolveVars(string)"/> merges
    /// them over group and global variables.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = Empty;

    /// <summary>Whether this is the implicit <c>local</c> host that every inventory has unless it declares one.</summary>
    public bool IsImplicit { get; init; }

    /// <summary>The 1-based line of the host's declaration in the inventory file (0 for the implicit host).</summary>
    public int Line { get; init; }

    internal static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);
}
