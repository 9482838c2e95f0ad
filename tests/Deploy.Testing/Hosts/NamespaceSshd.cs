using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Deploy.Core.Hosts;

namespace Deploy.Testing.Hosts;

/// <summary>
/// One isolated host: <c>unshare -m -p --fork --mount-proc</c> runs a start script that makes every mount private
/// (nothing propagates back to the machine), mounts the host's own tmpfs directories, bind-mounts its account files,
/// sudoers.d and os-release, then <c>exec</c>s sshd as the namespace's PID 1. Killing that sshd ends every process of
/// the namespace (the kernel kills them with their init) and the last reference to its mounts.
/// </summary>
internal sealed class NamespaceSshd
{
    private readonly Process _unshare;
    private readonly StringBuilder _output = new();
    private readonly string _log;
    private string? _pidNamespace;

    // The host's namespaces, held open until the stop has checked them: a namespace's number is freed with it and
    // reused by the next namespace made (another test's host), whose processes the check would take for ours.
    private SafeFileHandle[] _held = [];

    private NamespaceSshd(Process unshare, string log)
    {
        _unshare = unshare;
        _log = log;
    }

    /// <summary>The namespaces of the host (<c>pid:[...]</c>, <c>mnt:[...]</c>), once started.</summary>
    public (string Pid, string Mount) Namespaces { get; private set; }

    /// <summary>Writes the host's files into <paramref name="hostDir"/>, starts it and waits for its SSH banner.
    /// Returns <c>null</c> when sshd could not bind <paramref name="address"/> (someone took it meanwhile).</summary>
    public static async Task<NamespaceSshd?> StartAsync(
        string setDir, string hostDir, string address, IsolatedHostSpec spec, HostAccounts accounts, IsolatedHostsOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(hostDir);
        await File.WriteAllTextAsync(Path.Combine(hostDir, "os-release"), spec.OsRelease, cancellationToken);
        File.SetUnixFileMode(Path.Combine(hostDir, "os-release"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var log = Path.Combine(hostDir, "sshd.log");
        var config = Sshd.Config(address, options.Port, Path.Combine(setDir, "host_ed25519"), Path.Combine(setDir, "authorized_keys"), "prohibit-password", options.LoginShell, options.PasswordLogin, options.KeyboardInteractiveLogin)
            .AppendLine("PidFile none")
            .ToString();
        await File.WriteAllTextAsync(Path.Combine(hostDir, "sshd_config"), config, cancellationToken);
        if (options.KeyboardInteractiveLogin)
        {
            await File.WriteAllTextAsync(Path.Combine(hostDir, "pam-sshd"), PamStack, cancellationToken);
        }

        var script = Path.Combine(hostDir, "start.sh");
        await File.WriteAllTextAsync(script, StartScript(setDir, hostDir, accounts, options), cancellationToken);

        var psi = new ProcessStartInfo("unshare")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[] { "-m", "-p", "--fork", "--mount-proc", "/bin/sh", script })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start unshare.");
        var host = new NamespaceSshd(process, log);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // stdin stays open and is never written: it closes only when this process dies, which the host's watchdog
        // (see StartScript) takes as the signal to end the host. A killed test run leaves no host behind.
        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(cancellationToken);
                    var diagnostics = host.Diagnostics();
                    if (diagnostics.Contains("Address already in use", StringComparison.Ordinal) || diagnostics.Contains("Cannot bind any address", StringComparison.Ordinal))
                    {
                        return null;
                    }

                    throw new InvalidOperationException($"The isolated host {spec.Name} ({address}) exited with {process.ExitCode} before accepting connections.\n{diagnostics}");
                }

                if (await Sshd.AnswersBannerAsync(address, options.Port, cancellationToken))
                {
                    var init = Sshd.ChildrenOf(process.Id).Single();
                    host.Namespaces = (ProcStat.Namespace(init, "pid")!, ProcStat.Namespace(init, "mnt")!);
                    host._held = [OpenNamespace(init, "pid"), OpenNamespace(init, "mnt")];
                    host._pidNamespace = host.Namespaces.Pid;
                    return host;
                }

                if (clock.Elapsed > options.StartTimeout)
                {
                    throw new TimeoutException($"The isolated host {spec.Name} did not answer on {address}:{options.Port} within {options.StartTimeout.TotalSeconds:0} s.\n{host.Diagnostics()}");
                }

                await Task.Delay(10, cancellationToken);
            }
        }
        catch
        {
            await host.StopAsync();
            throw;
        }
    }

    /// <summary>Closes the watchdog's pipe, as this process's death would: the host then ends itself.</summary>
    public void Abandon() => _unshare.StandardInput.Close();

    /// <summary>
    /// SIGKILLs the namespace's init (sshd) and so every process in it, waits for unshare to exit and for no live
    /// process to be left in the namespace; throws if one is.
    /// </summary>
    public async Task StopAsync()
    {
        try
        {
            if (!_unshare.HasExited)
            {
                _unshare.Kill(entireProcessTree: true);
            }

            await _unshare.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _unshare.Dispose();
        }

        if (_pidNamespace is null)
        {
            return;
        }

        // Then its mount namespace: unshare itself lives there (outside the PID namespace) until it is reaped.
        try
        {
            await WaitEmptyAsync("pid", _pidNamespace);
            await WaitEmptyAsync("mnt", Namespaces.Mount);
        }
        finally
        {
            foreach (var handle in _held)
            {
                handle.Dispose();
            }
        }
    }

    private static SafeFileHandle OpenNamespace(int pid, string kind)
        => File.OpenHandle($"/proc/{pid}/ns/{kind}", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    /// <summary>Waits (up to 10 s) until no live process is left in the namespace <paramref name="id"/> of <paramref name="kind"/>; throws if one is.</summary>
    private static async Task WaitEmptyAsync(string kind, string id)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<int> left;
        while ((left = ProcStat.InNamespace(kind, id)).Count > 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"Processes {string.Join(", ", left)} are still running in the stopped host's {kind} namespace {id}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The PAM stack of a keyboard-interactive host: the password checked against the host's shadow, nothing else.</summary>
    private const string PamStack = "auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\n";

    private static string StartScript(string setDir, string hostDir, HostAccounts accounts, IsolatedHostsOptions options)
    {
        static string Q(string s) => CommandLine.Quote(s);
        var s = new StringBuilder()
            .AppendLine("set -eu")
            .AppendLine("exec 3<&0")
            .AppendLine("mount --make-rprivate /")
            // The watchdog: stdin is a pipe from the test process; EOF means it died without stopping this host.
            // SIGTERM, not SIGKILL: inside the namespace only signals its init handles reach it (sshd handles TERM).
            .AppendLine("( while read -r _; do :; done; kill -TERM 1 ) <&3 3<&- &")
            .AppendLine("exec 3<&-");

        // Few commands: under load every exec costs (one mkdir, one mount per directory, one install for the home).
        if (options.PrivateDirectories.Count > 0)
        {
            s.AppendLine("mkdir -p " + string.Join(' ', options.PrivateDirectories.Select(Q)));
        }

        foreach (var dir in options.PrivateDirectories)
        {
            var mode = dir == "/tmp" ? "1777" : "0755";
            s.AppendLine(CultureInfo.InvariantCulture, $"mount -t tmpfs -o mode={mode} deploy-test {Q(dir)}");
        }

        s.AppendLine("mkdir -p /run/sshd");
        if (options.PrivateDirectories.Contains("/home"))
        {
            var owner = string.Create(CultureInfo.InvariantCulture, $"-o {accounts.Uid} -g {accounts.Gid}");
            s.AppendLine(CultureInfo.InvariantCulture, $"install -d {owner} -m 0700 {Q(accounts.Home)}");
        }

        foreach (var file in new[] { "passwd", "group", "shadow" })
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Q(Path.Combine(setDir, file))} /etc/{file}");
        }

        if (accounts.SudoAvailable)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Q(Path.Combine(setDir, "sudoers.d"))} /etc/sudoers.d");
        }

        if (options.KeyboardInteractiveLogin)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Q(Path.Combine(hostDir, "pam-sshd"))} /etc/pam.d/sshd");
        }

        return s
            .AppendLine(CultureInfo.InvariantCulture, $"mount --bind {Q(Path.Combine(hostDir, "os-release"))} /etc/os-release")
            .AppendLine(CultureInfo.InvariantCulture, $"exec {Sshd.Executable} -D -f {Q(Path.Combine(hostDir, "sshd_config"))} -E {Q(Path.Combine(hostDir, "sshd.log"))} </dev/null")
            .ToString();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Diagnostics()
    {
        string output;
        lock (_output)
        {
            output = _output.ToString();
        }

        return "output:\n" + output + "sshd log:\n" + (File.Exists(_log) ? File.ReadAllText(_log) : "(none)");
    }
}
