using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Inventory;

/// <summary>
/// The default <see cref="IHostFactory"/>: a <see cref="LocalHost"/> (rooted when the entry has <c>root:</c>)
/// for <c>local</c> and every <c>connection: local</c> entry, and an SSH host from
/// <see cref="InventoryHostFactoryOptions.CreateSshHost"/> for the rest.
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

        if (_options.CreateSshHost is null)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"Host '{host.Name}' is reached over SSH, but no SSH transport is configured (set InventoryHostFactoryOptions.CreateSshHost).")
            {
                Host = host.Name,
            };
        }

        return _options.CreateSshHost(host);
    }
}
