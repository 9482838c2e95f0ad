namespace Deploy.Core.Sequence.Model;

/// <summary>One service of a component: a shell command of a given kind, run in a working directory.</summary>
/// <param name="Kind">Install, startup, runtime or remove.</param>
/// <param name="Command">A POSIX shell command line, run with <c>/bin/sh -c</c> (exOS packages give commands as text).
/// On a rooted <see cref="Hosts.LocalHost"/>, <c>$DEPLOY_ROOT</c> is the directory files are rooted in; the command itself is not sandboxed (it sees the real file system).</param>
public sealed record Service(ServiceKind Kind, string Command)
{
    /// <summary>The working directory on the target; <c>null</c> for the host's default.</summary>
    public string? WorkingDirectory { get; init; }
}
