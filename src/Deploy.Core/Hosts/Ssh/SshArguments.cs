using System.Diagnostics;
using System.Globalization;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Builds the ssh client command lines of one host: the master, clients multiplexed over it, control requests.</summary>
internal sealed class SshArguments
{
    private readonly SshHostOptions _options;

    public SshArguments(SshHostOptions options) => _options = options;

    /// <summary>The master: authenticates, then forks to the background holding the connection (<c>-f -N</c>).</summary>
    /// <param name="controlPath">The control socket the master listens on.</param>
    /// <param name="ciphers">The ciphers to offer, in order (<see cref="SshCiphers"/>); <c>null</c> leaves them to ssh's configuration.</param>
    public ProcessStartInfo Master(string controlPath, IReadOnlyList<string>? ciphers = null)
    {
        var args = Common(controlPath);
        if (ciphers is not null)
        {
            // After Common: ssh takes an option's first value, so an ExtraOptions "Ciphers=" wins over this one.
            args.AddRange(["-o", "Ciphers=" + string.Join(',', ciphers)]);
        }

        args.AddRange([
            "-o", "ControlMaster=yes",
            "-o", "ControlPersist=" + Seconds(_options.ControlPersist),
            "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3",
            "-f", "-N", "--", _options.Address,
        ]);
        return Psi(args);
    }

    /// <summary>A client that runs <paramref name="remoteCommand"/> (a POSIX shell command line) over the master.</summary>
    public ProcessStartInfo Client(string controlPath, string remoteCommand)
    {
        var args = Common(controlPath);
        args.AddRange(["-o", "ControlMaster=no", "-T", "--", _options.Address, remoteCommand]);
        return Psi(args);
    }

    /// <summary>
    /// <c>ssh -G</c>: the configuration ssh would use for the host (its config file, policy includes and these
    /// options), printed without connecting.
    /// </summary>
    public ProcessStartInfo Effective()
    {
        var args = Common("none");
        args.AddRange(["-G", "--", _options.Address]);
        return Psi(args);
    }

    /// <summary>A control request to the master (<c>-O check</c>, <c>-O exit</c>).</summary>
    public ProcessStartInfo Control(string controlPath, string request)
    {
        var args = Common(controlPath);
        args.AddRange(["-O", request, "--", _options.Address]);
        return Psi(args);
    }

    private List<string> Common(string controlPath)
    {
        var args = new List<string>();
        if (_options.ConfigFile is not null)
        {
            args.AddRange(["-F", _options.ConfigFile]);
        }

        args.AddRange(["-p", _options.Port.ToString(CultureInfo.InvariantCulture)]);
        if (_options.User is not null)
        {
            args.AddRange(["-l", _options.User]);
        }

        if (_options.IdentityFile is not null)
        {
            args.AddRange(["-i", _options.IdentityFile, "-o", "IdentitiesOnly=yes"]);
        }

        if (_options.ProxyJump is not null)
        {
            args.AddRange(["-J", _options.ProxyJump]);
        }

        args.AddRange([
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=" + (_options.HostKeyPolicy == HostKeyPolicy.AcceptNew ? "accept-new" : "yes"),
            "-o", "UserKnownHostsFile=" + _options.KnownHostsFile,
            "-o", "ConnectTimeout=" + Seconds(_options.ConnectTimeout),
            "-o", "ControlPath=" + controlPath,
            "-o", "LogLevel=ERROR",
            "-o", "Compression=no",
            "-o", "ForwardAgent=no",
            "-o", "ForwardX11=no",
            "-o", "ClearAllForwardings=yes",
        ]);
        foreach (var extra in _options.ExtraOptions)
        {
            args.AddRange(["-o", extra]);
        }

        return args;
    }

    private ProcessStartInfo Psi(List<string> args)
    {
        var psi = new ProcessStartInfo(_options.SshExecutable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static string Seconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
