using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Deploy.Testing;

/// <summary>
/// What every sshd test fixture shares (<see cref="SshServer"/> and the isolated hosts): key generation, the
/// common sshd_config, the readiness probe, process-tree helpers and cleanup. One place, so the fixtures cannot drift.
/// </summary>
internal static class Sshd
{
    /// <summary>The sshd binary.</summary>
    public const string Executable = "/usr/sbin/sshd";

    /// <summary>Generates an ed25519 key pair without a passphrase (<c>file</c> and <c>file.pub</c>).</summary>
    public static async Task KeygenAsync(string file, CancellationToken cancellationToken)
    {
        var result = await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy-test", "-f", file], null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed ({result.ExitCode}): {result.StandardError}");
        }
    }

    /// <summary>The <c>type base64</c> part of a public key file.</summary>
    public static string PublicKey(string publicKeyFile) =>
        string.Join(' ', File.ReadAllText(publicKeyFile).Trim().Split(' ').Take(2));

    /// <summary>
    /// A known_hosts line for <paramref name="address"/>:<paramref name="port"/>. ssh looks a host on port 22 up by
    /// its bare address and any other port as <c>[address]:port</c>.
    /// </summary>
    public static string KnownHostsLine(string address, int port, string publicKey) =>
        (port == 22 ? address : $"[{address}]:{port.ToString(CultureInfo.InvariantCulture)}") + " " + publicKey + "\n";

    /// <summary>
    /// The sshd_config lines every fixture uses: public keys (and passwords when <paramref name="passwords"/>, or
    /// keyboard-interactive through PAM only when <paramref name="keyboardInteractive"/>), otherwise no PAM, no DNS,
    /// many sessions, and the login shell behaviour of <paramref name="loginShell"/>.
    /// </summary>
    public static StringBuilder Config(string address, int port, string hostKey, string authorizedKeys, string rootLogin, LoginShell loginShell, bool passwords = false, bool keyboardInteractive = false)
    {
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Port {port}")
            .AppendLine(CultureInfo.InvariantCulture, $"ListenAddress {address}")
            .AppendLine(CultureInfo.InvariantCulture, $"HostKey {hostKey}")
            .AppendLine(CultureInfo.InvariantCulture, $"AuthorizedKeysFile {authorizedKeys}")
            .AppendLine("StrictModes no")
            .AppendLine(keyboardInteractive ? "UsePAM yes" : "UsePAM no")
            .AppendLine(CultureInfo.InvariantCulture, $"PermitRootLogin {rootLogin}")
            .AppendLine("PubkeyAuthentication yes")
            .AppendLine(passwords && !keyboardInteractive ? "PasswordAuthentication yes" : "PasswordAuthentication no")
            .AppendLine(keyboardInteractive ? "KbdInteractiveAuthentication yes" : "KbdInteractiveAuthentication no")
            .AppendLine("MaxSessions 64")
            .AppendLine("MaxStartups 100:30:200")
            .AppendLine("UseDNS no")
            .AppendLine("PrintMotd no")
            .AppendLine("Subsystem sftp internal-sftp")
            .AppendLine("LogLevel VERBOSE");

        // bash run by sshd reads ~/.bashrc only when SHLVL (after its own increment) is below 2: SHLVL=1 skips the
        // machine's rc files (root's here runs a slow `pyenv init`). With the machine's rc files, cap pyenv's rehash
        // lock wait: a session killed mid-rehash leaves the lock behind and every later shell would wait 60 s for it.
        return config.AppendLine(loginShell == LoginShell.Clean
            ? "SetEnv SHLVL=1 PYENV_REHASH_TIMEOUT=1"
            : "SetEnv PYENV_REHASH_TIMEOUT=1");
    }

    /// <summary>Whether something at <paramref name="address"/>:<paramref name="port"/> answers with an SSH banner.</summary>
    public static async Task<bool> AnswersBannerAsync(string address, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Parse(address), port, timeout.Token);
            var buffer = new byte[64];
            var n = await client.GetStream().ReadAsync(buffer, timeout.Token);
            return n >= 4 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("SSH-", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The direct children of <paramref name="parent"/> (from <c>/proc/*/stat</c>).</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent) =>
        ProcStat.All().Where(s => s.ParentId == parent).Select(s => s.Pid).ToList();

    /// <summary>Runs a local program to completion, feeding <paramref name="input"/> on stdin (never on argv).</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        string program, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await p.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        p.StandardInput.Close();
        await p.WaitForExitAsync(cancellationToken);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Deletes a directory tree, ignoring failures (a fixture's cleanup must not hide the test's result).</summary>
    public static void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
