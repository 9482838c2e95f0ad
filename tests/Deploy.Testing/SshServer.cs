using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private Process? _sshd;

    private SshServer(string dir, int port)
    {
        _dir = dir;
        Port = port;
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

    /// <summary>Generates keys and a config, starts sshd, and waits until it answers with its banner.</summary>
    public static async Task<SshServer> StartAsync(CancellationToken cancellationToken = default)
    {
        // Short path: ssh's ControlPath sockets and sshd's files must stay well under the 108-byte socket limit.
        var dir = Path.Combine("/tmp", "dsshd-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SshServer? server = null;
        try
        {
            await KeygenAsync(Path.Combine(dir, "host_ed25519"), cancellationToken);
            await KeygenAsync(Path.Combine(dir, "id_ed25519"), cancellationToken);
            File.Copy(Path.Combine(dir, "id_ed25519.pub"), Path.Combine(dir, "authorized_keys"));
            System.IO.Directory.CreateDirectory("/run/sshd");

            for (var attempt = 0; ; attempt++)
            {
                server = new SshServer(dir, FreePort());
                server.HostKeyPublic = string.Join(' ', File.ReadAllText(Path.Combine(dir, "host_ed25519.pub")).Trim().Split(' ').Take(2));
                await File.WriteAllTextAsync(server.KnownHostsFile, $"[127.0.0.1]:{server.Port} {server.HostKeyPublic}\n", cancellationToken);
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

            TryDeleteDirectory(dir);
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
        foreach (var child in ChildrenOf(_sshd.Id))
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
        TryDeleteDirectory(_dir);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Port {Port}")
            .AppendLine("ListenAddress 127.0.0.1")
            .AppendLine(CultureInfo.InvariantCulture, $"HostKey {_dir}/host_ed25519")
            .AppendLine(CultureInfo.InvariantCulture, $"PidFile {_dir}/sshd.pid")
            .AppendLine(CultureInfo.InvariantCulture, $"AuthorizedKeysFile {_dir}/authorized_keys")
            .AppendLine("StrictModes no")
            .AppendLine("UsePAM no")
            .AppendLine("PermitRootLogin prohibit-password")
            .AppendLine("PubkeyAuthentication yes")
            .AppendLine("PasswordAuthentication no")
            .AppendLine("KbdInteractiveAuthentication no")
            .AppendLine("MaxSessions 64")
            .AppendLine("MaxStartups 100:30:200")
            .AppendLine("UseDNS no")
            .AppendLine("PrintMotd no")
            .AppendLine("Subsystem sftp internal-sftp")
            .AppendLine("LogLevel VERBOSE")
            // A login shell that runs `pyenv init` (root's .bashrc here) takes a rehash lock in every new session; a
            // session killed mid-rehash (the kill tests) leaves the lock behind, and every later shell then waits
            // 60 s for it. Cap that wait: the tests must not depend on this machine's rc files.
            .AppendLine("SetEnv PYENV_REHASH_TIMEOUT=1")
            .ToString();
        var configFile = Path.Combine(_dir, "sshd_config");
        await File.WriteAllTextAsync(configFile, config, cancellationToken);

        var psi = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
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

            if (await AnswersBannerAsync(cancellationToken))
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new InvalidOperationException($"sshd did not accept connections on 127.0.0.1:{Port} within 20 s.\nsshd log:\n{Log}");
    }

    private async Task<bool> AnswersBannerAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var buffer = new byte[64];
            var n = await client.GetStream().ReadAsync(buffer, timeout.Token);
            return n >= 4 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("SSH-", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
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

    private static async Task KeygenAsync(string file, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "deploy-test", "-f", file })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not start ssh-keygen.");
        var err = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed ({p.ExitCode}): {await err}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        var result = new List<int>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    result.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return result;
    }

    private static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
