using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Inventory;

/// <summary>
/// The default <see cref="IHostFactory"/>: a <see cref="LocalHost"/> (rooted when the entry has <c>root:</c>)
/// for <c>local</c> and every <c>connection: local</c> entry, and for the rest the SSH host its <c>transport:</c>
/// names (<see cref="SshHost"/> or <see cref="Hosts.Ssh.Managed.ManagedSshHost"/>, see <see cref="SshHosts.Create"/>),
/// or the host from <see cref="InventoryHostFactoryOptions.CreateSshHost"/>.
/// </summary>
public sealed class InventoryHostFactory : IHostFactory
{
    private readonly InventoryHostFactoryOptions _options;

    /// <summary>Creates the factory.</summary>
    public InventoryHostFactory(InventoryHostFactoryOptions? options = null)
    {
        _options = options ?? new InventoryHostFactoryOptions();
    }

    /// <inheritdoc />
    public IHost Create(InventoryHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Connection == HostConnection.Local)
        {
            var options = new LocalHostOptions { Name = host.Name, RootDirectory = host.RootDirectory, TimeProvider = _options.TimeProvider };
            if (host.RootDirectory is not null)
            {
                Directory.CreateDirectory(host.RootDirectory);
            }

            return new LocalHost(options, _options.LoggerFactory?.CreateLogger<LocalHost>());
        }

        if (_options.CreateSshHost is not null)
        {
            return _options.CreateSshHost(host);
        }

        var ssh = ToSshHostOptions(host) with { TimeProvider = _options.TimeProvider };
        if (_options.ConfigureSsh is not null)
        {
            ssh = _options.ConfigureSsh(host, ssh);
        }

        return SshHosts.Create(ssh, _options.LoggerFactory);
    }

    /// <summary>
    /// The <see cref="SshHostOptions"/> an inventory entry describes: address, port (22 when unset), user,
    /// identity file, known_hosts file, ProxyJump, connect timeout, ssh config file, transport, the password's source
    /// (<c>password_env</c>, else <c>password_file</c>), and <see cref="HostKeyPolicy.AcceptNew"/> only when the
    /// entry sets <c>accept_new_host_keys: true</c>.
    /// Unset fields keep the <see cref="SshHostOptions"/> defaults.
    /// </summary>
    public static SshHostOptions ToSshHostOptions(InventoryHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var options = new SshHostOptions
        {
            Address = host.Address,
            Port = host.Port ?? 22,
            User = host.User,
            IdentityFile = host.IdentityFile,
            ProxyJump = host.ProxyJump,
            ConfigFile = host.SshConfigFile,
            HostKeyPolicy = host.AcceptNewHostKeys ? HostKeyPolicy.AcceptNew : HostKeyPolicy.Strict,
            Transport = host.Transport,
            Password = host.PasswordEnvironmentVariable is { } variable ? SshSecret.FromEnvironment(variable)
                : host.PasswordFile is { } file ? SshSecret.FromFile(file) : null,
        };
        if (host.KnownHostsFile is not null)
        {
            options = options with { KnownHostsFile = host.KnownHostsFile };
        }

        if (host.ConnectTimeout is { } timeout)
        {
            options = options with { ConnectTimeout = timeout };
        }

        return options;
    }
}
