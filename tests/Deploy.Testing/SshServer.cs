using System.Diagnostics;
using System.Globalization;
using Deploy.Core.Hosts.Ssh;

namespace Deploy.Testing;

/// <summary>
/// A real OpenSSH server (<c>/usr/sbin/sshd -D</c>) on 127.0.0.1 with a free port, a generated host key and a
/// generated client key, its own sshd_config (no PAM, public keys only, the current user allowed) and a
/// known_hosts file for it. Everything lives in one short temp directory that <see cref="DisposeAsync"/> removes.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly LoginShell _loginShell;
    private readonly IReadOnlyList<string> _configLines;
    private Process? _sshd;

    private SshServer(string dir, int port, LoginShell loginShell, IReadOnlyList<string> configLines)
    {
        _dir = dir;
        Port = port;
        _loginShell = loginShell;
        _configLines = configLines;
    }

    /// <summary>The port sshd listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The address sshd listens on.</summary>
    public string Address => "127.0.0.1";

    /// <summary>The user to log in as (the current user).</summary>
    public string User { get; } = Environment.UserName;

    /// <summary>The client private key authorized by this server.</summary>
    public string IdentityFile => Path.Combine(_dir, "id_ed25519");

    /// <summary>A known_hosts file that holds this server's host key.</summary>
    public string KnownHostsFile => Path.Combine(_dir, "known_hosts");

    /// <summary>The host public key line (<c>ssh-ed25519 AAAA...</c>).</summary>
    public string HostKeyPublic { get; private set; } = "";

    /// <summary>The server's temp directory (keys, config, log).</summary>
    public string Directory => _dir;

    /// <summary>The sshd log so far.</summary>
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    private string LogFile => Path.Combine(_dir, "sshd.log");

    /// <summary>Generates keys and a config, starts sshd, and waits until it answers with its banner. Logins run the
    /// machine's rc files (<see cref="LoginShell.Machine"/>).</summary>
    public static Task<SshServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(LoginShell.Machine, cancellationToken);

    /// <summary>As <see cref="StartAsync(CancellationToken)"/>, with logins that behave as <paramref name="loginShell"/> says.</summary>
    public static Task<SshServer> StartAsync(LoginShell loginShell, CancellationToken cancellationToken = default) => StartAsync(loginShell, [], cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(LoginShell, CancellationToken)"/>, with <paramref name="configLines"/> ahead of the
    /// usual sshd_config (sshd takes a keyword's first value: <c>LogLevel DEBUG1</c>, <c>Ciphers ...</c>).
    /// </summary>
    public static async Task<SshServer> StartAsync(LoginShell loginShell, IReadOnlyList<string> configLines, CancellationToken cancellationToken = default)
    {
        // Short path: ssh's ControlPath sockets and sshd's files must stay well under the 108-byte socket limit.
        var dir = Path.Combine("/tmp", "dsshd-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SshServer? server = null;
        try
        {
            await Sshd.KeygenAsync(Path.Combine(dir, "host_ed25519"), cancellationToken);
            await Sshd.KeygenAsync(Path.Combine(dir, "id_ed25519"), cancellationToken);
            File.Copy(Path.Combine(dir, "id_ed25519.pub"), Path.Combine(dir, "authorized_keys"));
            System.IO.Directory.CreateDirectory("/run/sshd");

            for (var attempt = 0; ; attempt++)
            {
                server = new SshServer(dir, TestPorts.Free(), loginShell, configLines);
                server.HostKeyPublic = Sshd.PublicKey(Path.Combine(dir, "host_ed25519.pub"));
                await File.WriteAllTextAsync(server.KnownHostsFile, Sshd.KnownHostsLine(server.Address, server.Port, server.HostKeyPublic), cancellationToken);
                try
                {
                    await server.LaunchAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3 && server.Log.Contains("Address already in use", StringComparison.Ordinal))
                {
                    // Another test took the port between our probe and sshd's bind: pick another.
                    await server.StopAsync();
                }
            }
        }
        catch
        {
            if (server is not null)
            {
                await server.StopAsync();
            }

            Sshd.TryDeleteDirectory(dir);
            throw;
        }
    }

    /// <summary>Options for an <see cref="SshHost"/> that logs in to this server with strict host key checking.</summary>
    public SshHostOptions HostOptions() => new()
    {
        Address = Address,
        Port = Port,
        User = User,
        IdentityFile = IdentityFile,
        KnownHostsFile = KnownHostsFile,
        ConfigFile = "/dev/null",
        ControlDirectory = Path.Combine(_dir, "c"),
    };

    /// <summary>Creates an <see cref="SshHost"/> for this server; <paramref name="configure"/> may change the options.</summary>
    public SshHost CreateHost(Func<SshHostOptions, SshHostOptions>? configure = null)
    {
        var options = HostOptions();
        return new SshHost(configure is null ? options : configure(options));
    }

    /// <summary>
    /// Cuts every live SSH connection (kills the per-connection sshd processes, as a dropped network would) while
    /// the listener keeps accepting new ones.
    /// </summary>
    public int KillAllConnections()
    {
        if (_sshd is null)
        {
            return 0;
        }

        var killed = 0;
        foreach (var child in Sshd.ChildrenOf(_sshd.Id))
        {
            try
            {
                using var p = Process.GetProcessById(child);
                p.Kill(entireProcessTree: true);
                killed++;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Exited meanwhile.
            }
        }

        return killed;
    }

    /// <summary>Stops sshd (and every connection) and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Sshd.TryDeleteDirectory(_dir);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var config = string.Concat(_configLines.Select(l => l + "\n")) + Sshd.Config(Address, Port, $"{_dir}/host_ed25519", $"{_dir}/authorized_keys", "prohibit-password", _loginShell)
            .AppendLine(CultureInfo.InvariantCulture, $"PidFile {_dir}/sshd.pid")
            .ToString();
        var configFile = Path.Combine(_dir, "sshd_config");
        await File.WriteAllTextAsync(configFile, config, cancellationToken);

        var psi = new ProcessStartInfo(Sshd.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-D", "-f", configFile, "-E", LogFile })
        {
            psi.ArgumentList.Add(a);
        }

        _sshd = Process.Start(psi) ?? throw new InvalidOperationException("Could not start /usr/sbin/sshd.");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_sshd.HasExited)
            {
                var err = await _sshd.StandardError.ReadToEndAsync(cancellationToken);
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode} before accepting connections.\n{err}\nsshd log:\n{Log}");
            }

            if (await Sshd.AnswersBannerAsync(Address, Port, cancellationToken))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new InvalidOperationException($"sshd did not accept connections on 127.0.0.1:{Port} within 20 s.\nsshd log:\n{Log}");
    }

    private async Task StopAsync()
    {
        if (_sshd is null)
        {
            return;
        }

        try
        {
            if (!_sshd.HasExited)
            {
                _sshd.Kill(entireProcessTree: true);
                await _sshd.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }

        _sshd.Dispose();
        _sshd = null;
    }
}
