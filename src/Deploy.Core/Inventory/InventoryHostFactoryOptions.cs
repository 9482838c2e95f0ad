using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Inventory;

/// <summary>Options for <see cref="InventoryHostFactory"/>.</summary>
public sealed record InventoryHostFactoryOptions
{
    /// <summary>
    /// Creates the host for an SSH inventory entry. This is the seam for the transport: the default uses the
    /// system OpenSSH client; set it to use another transport (or to add options such as ProxyJump).
    /// <value>The default is <c>null</c>: SSH hosts cannot be created and <see cref="InventoryHostFactory.Create"/>
    /// throws <see cref="Errors.DeployErrorCode.InvalidConfiguration"/> for them.</value>
    /// </summary>
    public Func<InventoryHost, IHost>? CreateSshHost { get; init; }

    /// <summary>Where hosts get their loggers. <value>The default is <c>null</c>: no logging.</value></summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock given to the hosts. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
