using System.Globalization;
using System.Text;

namespace Deploy.Testing.Hosts;

/// <summary>
/// The account files the isolated hosts bind-mount over the machine's: this machine's <c>/etc/passwd</c>,
/// <c>/etc/group</c> and <c>/etc/shadow</c> plus one login user with a real password hash, and a
/// <c>sudoers.d</c> that lets that user run anything with sudo after typing the password (never cached:
/// <c>timestamp_timeout=0</c>, so every sudo asks again). The machine's files are never changed.
/// </summary>
internal sealed record HostAccounts(string UserName, int Uid, int Gid, bool SudoAvailable)
{
    /// <summary>The login user's home (on the host's private <c>/home</c>).</summary>
    public string Home => "/home/" + UserName;

    /// <summary>Writes <c>passwd</c>, <c>group</c>, <c>shadow</c> and <c>sudoers.d/</c> into <paramref name="dir"/>.</summary>
    public static async Task<HostAccounts> WriteAsync(string dir, string userName, string password, CancellationToken cancellationToken)
    {
        var passwd = await File.ReadAllTextAsync("/etc/passwd", cancellationToken);
        var group = await File.ReadAllTextAsync("/etc/group", cancellationToken);
        var shadow = File.Exists("/etc/shadow") ? await File.ReadAllTextAsync("/etc/shadow", cancellationToken) : "";
        if (Ids(passwd, 0).Contains(userName) || Ids(group, 0).Contains(userName))
        {
            throw new InvalidOperationException($"This machine already has a user or group '{userName}'; choose another IsolatedHostsOptions.UserName.");
        }

        var uid = FirstFree(Ids(passwd, 2));
        var gid = FirstFree(Ids(group, 2));
        var hash = await HashAsync(password, cancellationToken);
        var u = uid.ToString(CultureInfo.InvariantCulture);
        var g = gid.ToString(CultureInfo.InvariantCulture);
        await WriteAsync(Path.Combine(dir, "passwd"), WithLine(passwd, $"{userName}:x:{u}:{g}:deploy test user:/home/{userName}:/bin/bash"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken);
        await WriteAsync(Path.Combine(dir, "group"), WithLine(group, $"{userName}:x:{g}:"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken);
        await WriteAsync(Path.Combine(dir, "shadow"), WithLine(shadow, $"{userName}:{hash}:20000:0:99999:7:::"), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);

        var sudoAvailable = Directory.Exists("/etc/sudoers.d") && File.Exists("/usr/bin/sudo");
        var sudoers = Path.Combine(dir, "sudoers.d");
        Directory.CreateDirectory(sudoers);
        File.SetUnixFileMode(sudoers, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        await WriteAsync(
            Path.Combine(sudoers, "deploy-test"),
            $"Defaults:{userName} timestamp_timeout=0\n{userName} ALL=(ALL:ALL) ALL\n",
            UnixFileMode.UserRead | UnixFileMode.GroupRead,
            cancellationToken);
        return new HostAccounts(userName, uid, gid, sudoAvailable);
    }

    private static async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        // The password goes on stdin: argv is visible to every process on the machine.
        var result = await Sshd.RunAsync("openssl", ["passwd", "-6", "-stdin"], password + "\n", cancellationToken);
        if (result.ExitCode != 0 || !result.StandardOutput.StartsWith("$6$", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"`openssl passwd -6` failed ({result.ExitCode}): {result.StandardError} (scripts/test.sh installs openssl).");
        }

        return result.StandardOutput.Trim();
    }

    private static HashSet<string> Ids(string file, int field) =>
        file.Split('\n').Select(l => l.Split(':')).Where(f => f.Length > field).Select(f => f[field]).ToHashSet(StringComparer.Ordinal);

    private static int FirstFree(HashSet<string> taken)
    {
        var id = 1990;
        while (taken.Contains(id.ToString(CultureInfo.InvariantCulture)))
        {
            id++;
        }

        return id;
    }

    private static string WithLine(string file, string line) =>
        new StringBuilder(file).Append(file.Length == 0 || file.EndsWith('\n') ? "" : "\n").Append(line).Append('\n').ToString();

    private static async Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, content, cancellationToken);
        File.SetUnixFileMode(path, mode);
    }
}
