namespace Deploy.Packaging.Installing;

/// <summary>What the generated POSIX <c>./install</c> script does for a package type; mirrors the library's
/// <see cref="StagedInstallStrategy"/> so a package installs the same way with or without the SDK on the target.</summary>
/// <param name="Component">The folder under the install base (<c>/opt/rdb/&lt;component&gt;</c>).</param>
/// <param name="Rpm">Whether the payload's *.rpm are installed with <c>rpm -Uvh</c>.</param>
/// <param name="Wheels">Whether the payload's *.whl are installed with pip into the virtualenv.</param>
/// <param name="CheckProcesses">Whether running processes of the tool block the install (unless <c>-f</c>).</param>
/// <param name="Restart">Whether <c>tools/restart</c> is run after the switch.</param>
public sealed record LauncherProfile(string Component, bool Rpm, bool Wheels, bool CheckProcesses, bool Restart);
