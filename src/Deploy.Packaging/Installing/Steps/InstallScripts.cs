using Deploy.Core.Hosts;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>The install steps' scripts (resource files whose headers declare their target-path arguments, so a
/// rooted <see cref="LocalHost"/> maps them and no script knows about a sandbox).</summary>
internal static class InstallScripts
{
    public static HostScript SwitchCurrent { get; } = Load("pkg-switch-current.sh");

    public static HostScript VenvBackup { get; } = Load("pkg-venv-backup.sh");

    public static HostScript VenvRestore { get; } = Load("pkg-venv-restore.sh");

    /// <summary>Long-running install commands (rpm, pip) get an hour.</summary>
    public static CommandSpec Long { get; } = new(["sh"]) { Timeout = TimeSpan.FromHours(1) };

    private static HostScript Load(string name) => HostScript.FromResource(typeof(InstallScripts).Assembly, name);
}
