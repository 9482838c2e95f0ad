using Deploy.Core.Hosts;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>
/// Runs fixed scripts on the target with paths passed as arguments. Scripts prefix target paths with
/// <c>${DEPLOY_ROOT:-}</c>, which a sandboxed <see cref="LocalHost"/> sets to its root and real hosts leave empty,
/// so the same step works on a sandbox and on a server.
/// </summary>
internal static class TargetShell
{
    public static Task<CommandResult> RunAsync(IHost host, string script, IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
        => host.RunScriptAsync(
            "set -eu\nR=\"${DEPLOY_ROOT:-}\"\n" + script,
            arguments,
            new CommandSpec(["sh"]) { WorkingDirectory = workingDirectory, Timeout = TimeSpan.FromHours(1) },
            cancellationToken);
}
