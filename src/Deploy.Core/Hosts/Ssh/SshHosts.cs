using Deploy.Core.Hosts.Ssh.Managed;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Creates the SSH host that <see cref="SshHostOptions.Transport"/> names.</summary>
public static class SshHosts
{
    /// <summary>
    /// An <see cref="SshHost"/> (system OpenSSH) or a <see cref="ManagedSshHost"/> (SSH.NET), as
    /// <paramref name="options"/> say. Nothing connects until the first operation.
    /// </summary>
    public static IHost Create(SshHostOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Transport switch
        {
            SshTransport.Managed => new ManagedSshHost(options, loggerFactory?.CreateLogger<ManagedSshHost>()),
            _ => new SshHost(options, loggerFactory?.CreateLogger<SshHost>()),
        };
    }
}
