namespace Deploy.Testing.Hosts;

/// <summary>Whether this machine lets the tests create mount and PID namespaces (root, and no seccomp or
/// container policy refusing <c>unshare</c>). Probed once per process with the very command the hosts use.</summary>
internal static class LinuxNamespaces
{
    private static readonly Lazy<Task<string?>> Probe = new(ProbeAsync);

    /// <summary>Why namespaces are refused here; <c>null</c> when they work.</summary>
    public static Task<string?> RefusalReasonAsync() => Probe.Value;

    private static async Task<string?> ProbeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "namespaces need Linux";
        }

        if (Environment.UserName != "root")
        {
            return $"namespaces with bind mounts need root (running as {Environment.UserName})";
        }

        try
        {
            var result = await Sshd.RunAsync("unshare", ["-m", "-p", "--fork", "--mount-proc", "/bin/sh", "-c", "mount --make-rprivate / && mount -t tmpfs probe /mnt"], null, CancellationToken.None);
            return result.ExitCode == 0 ? null : $"`unshare -m -p --fork --mount-proc` failed ({result.ExitCode}): {result.StandardError.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return "unshare could not be started: " + e.Message;
        }
    }
}
