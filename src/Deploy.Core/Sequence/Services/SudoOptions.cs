using System.Text;
using Deploy.Core.Hosts;

namespace Deploy.Core.Sequence.Services;

/// <summary>
/// Runs service commands (install, startup, runtime, remove, and the supervisor's start, stop and status scripts)
/// as root through <c>sudo</c> when the SSH user is not root, as real exOS packages need (<c>dpkg -i</c>,
/// <c>apt install</c>). With a <see cref="Password"/>: <c>sudo -S -p '' --</c>, the password on stdin and listed in
/// <see cref="CommandSpec.Secrets"/>, so it never reaches a log, a message or the process list. Without one:
/// <c>sudo -n --</c> (a <c>NOPASSWD</c> sudoers entry; sudo fails at once rather than prompt). Files and the
/// sequence's state are still written as the SSH user: give the target a <see cref="Model.TargetDefinition.StateDirectory"/>
/// and target directories that user can write.
/// </summary>
public sealed record SudoOptions
{
    /// <summary>The SSH user's sudo password; <value>the default is <c>null</c>: NOPASSWD sudo</value>.</summary>
    public string? Password { get; init; }

    /// <summary>Sudo with the user's password.</summary>
    public static SudoOptions WithPassword(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        return new SudoOptions { Password = password };
    }

    /// <summary>Sudo through a NOPASSWD sudoers entry.</summary>
    public static SudoOptions NoPassword { get; } = new();

    /// <summary><paramref name="command"/> run through sudo: argv prefixed, path arguments shifted, password on stdin as a secret.</summary>
    public CommandSpec Wrap(CommandSpec command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string[] prefix = Password is null ? ["sudo", "-n", "--"] : ["sudo", "-S", "-p", "", "--"];
        var wrapped = command with
        {
            Argv = [.. prefix, .. command.Argv],
            PathArguments = [.. command.PathArguments.Select(i => i + prefix.Length)],
        };
        return Password is null
            ? wrapped
            : wrapped with { StandardInput = new MemoryStream(Encoding.UTF8.GetBytes(Password + "\n")), Secrets = [.. command.Secrets, Password] };
    }

    /// <inheritdoc />
    public override string ToString() => Password is null ? "sudo (NOPASSWD)" : "sudo (password: ***)";
}
