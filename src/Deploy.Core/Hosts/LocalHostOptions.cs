namespace Deploy.Core.Hosts;

/// <summary>Options for <see cref="LocalHost"/>.</summary>
public sealed record LocalHostOptions
{
    /// <summary>
    /// A sandbox directory that absolute target paths are mapped under: with <c>/tmp/sbx</c>, the target path
    /// <c>/opt/app</c> is <c>/tmp/sbx/opt/app</c>. Lets demos and tests "install to /opt/app" without root.
    /// <value>The default is <c>null</c>: target paths are real paths.</value>
    /// </summary>
    /// <remarks>
    /// Commands are not sandboxed: they run on this machine and see the real file system. Their working directory is mapped, and so are the arguments a command
    /// declares as target paths (<see cref="CommandSpec.PathArguments"/>, or a <see cref="HostScript"/>'s
    /// <c># $N path:</c> header): that is how every script of the SDK works on a rooted host. Users' own commands
    /// (service commands, for instance) also get the sandbox in the <c>DEPLOY_ROOT</c> environment variable, so they
    /// can write <c>"$DEPLOY_ROOT/opt/app"</c>; on every other host the variable is unset.
    /// <c>/etc/os-release</c> is read from the sandbox when it has one (to simulate another distribution), else
    /// from the machine.
    /// </remarks>
    public string? RootDirectory { get; init; }

    /// <summary>The name used in logs and errors. <value>The default is <c>local</c>.</value></summary>
    public string Name { get; init; } = "local";

    /// <summary>The clock. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
