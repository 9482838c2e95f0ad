namespace Deploy.Core.Sequence.Model;

/// <summary>One service of a component: a shell command of a given kind, run in a working directory.</summary>
/// <param name="Kind">Install, startup, runtime or remove.</param>
/// <param name="Command">A POSIX shell command line, run with <c>/bin/sh -c</c> (exOS packages give commands as text).
/// The host runs it as it runs any command: what a rooted local host gives commands, and that they are not sandboxed,
/// is said at <see cref="Hosts.LocalHostOptions.RootDirectory"/>.</param>
public sealed record Service(ServiceKind Kind, string Command)
{
    /// <summary>The working directory on the target; <c>null</c> for the host's default.</summary>
    public string? WorkingDirectory { get; init; }
}
