using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Inventory;

/// <summary>Options for <see cref="InventoryHostFactory"/>.</summary>
public sealed record InventoryHostFactoryOptions
{
    /// <summary>
    /// Creates the host for an SSH inventory entry: the seam for another transport (an SSH.NET one, a test
    /// double). <value>The default is <c>null</c>: an <see cref="SshHost"/> on the system OpenSSH client with the
    /// options of <see cref="InventoryHostFactory.ToSshHostOptions"/>, adjusted by <see cref="ConfigureSsh"/>.</value>
    /// </summary>
    public Func<InventoryHost, IHost>? CreateSshHost { get; init; }

    /// <summary>
    /// Adjusts the <see cref="SshHostOptions"/> built from an inventory entry before the default
    /// <see cref="SshHost"/> is created (e.g. a ControlMaster directory, extra <c>-o</c> options, retries).
    /// <value>The default is <c>null</c>: the options as the inventory gives them.</value>
    /// </summary>
    public Func<InventoryHost, SshHostOptions, SshHostOptions>? ConfigureSsh { get; init; }

    /// <summary>Where hosts get their loggers. <value>The default is <c>null</c>: no logging.</value></summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock given to the hosts. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
