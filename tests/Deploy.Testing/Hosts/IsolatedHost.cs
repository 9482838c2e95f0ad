using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Inventory;

namespace Deploy.Testing.Hosts;

/// <summary>
/// One running test host of an <see cref="IsolatedHosts"/> set: an sshd on its own loopback address whose files
/// (<c>/opt</c>, <c>/var/lib</c>, <c>/home</c>, <c>/tmp</c>, <c>/run</c>), processes and <c>/etc/os-release</c> are
/// its own. Log in as <see cref="RootUser"/> or as <see cref="User"/> (sudo with <see cref="Password"/>), both with
/// <see cref="IdentityFile"/>; host keys are checked against <see cref="KnownHostsFile"/>.
/// </summary>
public sealed class IsolatedHost
{
    private readonly Func<Task> _stop;

    internal IsolatedHost(
        string name, string address, int port, string rootUser, string? user, string? password, string identityFile,
        string knownHostsFile, string controlDirectory, string osRelease, (string Pid, string Mount)? namespaces, Func<Task> stop)
    {
        Name = name;
        Address = address;
        Port = port;
        RootUser = rootUser;
        User = user;
        Password = password;
        IdentityFile = identityFile;
        KnownHostsFile = knownHostsFile;
        ControlDirectory = controlDirectory;
        OsRelease = osRelease;
        PidNamespace = namespaces?.Pid;
        MountNamespace = namespaces?.Mount;
        _stop = stop;
    }

    /// <summary>The inventory name.</summary>
    public string Name { get; }

    /// <summary>The loopback address sshd listens on.</summary>
    public string Address { get; }

    /// <summary>The SSH port.</summary>
    public int Port { get; }

    /// <summary>The administrative login: <c>root</c> (the current user on a fallback host).</summary>
    public string RootUser { get; }

    /// <summary>The non-root login user with password sudo; <c>null</c> on a fallback host.</summary>
    public string? User { get; }

    /// <summary>The password of <see cref="User"/> (what <c>sudo -S</c> reads); <c>null</c> on a fallback host.</summary>
    public string? Password { get; }

    /// <summary>The client private key both users accept.</summary>
    public string IdentityFile { get; }

    /// <summary>A known_hosts file that holds this host's key under its address.</summary>
    public string KnownHostsFile { get; }

    /// <summary>The <c>/etc/os-release</c> content this host reports.</summary>
    public string OsRelease { get; }

    /// <summary>Whether this host runs in its own mount and PID namespaces (<c>false</c> on a fallback host).</summary>
    public bool IsIsolated => PidNamespace is not null;

    /// <summary>The host's PID namespace (<c>pid:[inode]</c>); <c>null</c> on a fallback host.</summary>
    public string? PidNamespace { get; }

    /// <summary>The host's mount namespace (<c>mnt:[inode]</c>); <c>null</c> on a fallback host.</summary>
    public string? MountNamespace { get; }

    /// <summary>Where the ssh clients of this set keep their ControlMaster sockets.</summary>
    public string ControlDirectory { get; }

    /// <summary>Options for an <see cref="SshHost"/> logging in as <paramref name="user"/> (default
    /// <see cref="RootUser"/>) with strict host key checking and no user ssh config.</summary>
    public SshHostOptions HostOptions(string? user = null) => new()
    {
        Address = Address,
        Port = Port,
        User = user ?? RootUser,
        IdentityFile = IdentityFile,
        KnownHostsFile = KnownHostsFile,
        ConfigFile = "/dev/null",
        ControlDirectory = ControlDirectory,
    };

    /// <summary>An <see cref="SshHost"/> logged in as <paramref name="user"/> (default <see cref="RootUser"/>);
    /// <paramref name="configure"/> may change the options.</summary>
    public SshHost CreateHost(string? user = null, Func<SshHostOptions, SshHostOptions>? configure = null)
    {
        var options = HostOptions(user);
        return new SshHost(configure is null ? options : configure(options));
    }

    /// <summary>An <see cref="SshHost"/> logged in as the non-root <see cref="User"/>.</summary>
    public SshHost CreateUserHost() =>
        CreateHost(User ?? throw new InvalidOperationException($"Host {Name} is a fallback host without a non-root login user."));

    /// <summary>This host as an inventory entry logging in as <paramref name="user"/> (default <see cref="RootUser"/>).</summary>
    public InventoryHost ToInventoryHost(string? user = null) => new(Name)
    {
        Address = Address,
        Port = Port,
        User = user ?? RootUser,
        IdentityFile = IdentityFile,
        KnownHostsFile = KnownHostsFile,
        SshConfigFile = "/dev/null",
    };

    /// <summary>Whether the host's sshd answers with its SSH banner right now.</summary>
    public Task<bool> AnswersAsync(CancellationToken cancellationToken = default) => Sshd.AnswersBannerAsync(Address, Port, cancellationToken);

    /// <summary>What this host is, for test output.</summary>
    public override string ToString() =>
        $"{Name} {Address}:{Port} {Core.Hosts.OsRelease.Parse(OsRelease).PrettyName}" + (IsIsolated ? "" : " (plain sshd, not isolated)");

    internal Task StopAsync() => _stop();
}
