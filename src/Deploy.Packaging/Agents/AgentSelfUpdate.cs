using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Pull mode for an agent that updates itself. The running agent cannot be the one that restarts it: the update's
/// restart stops the agent's process group. So the agent starts a detached helper (its own session, outside the
/// agent's process group, surviving the agent's exit) that runs the update, <see cref="AgentUpdater.RunOnceAsync"/>:
/// it stages and switches the new release beside the running one, then its restart stops the agent, waits for it to
/// exit and starts the new release (e.g. through <see cref="AgentService"/>), checks its health, and rolls back to
/// (and restarts) the previous release when it is not healthy. The helper is usually the agent's own executable with
/// a helper verb, run from the release that is current when it starts.
/// </summary>
public static class AgentSelfUpdate
{
    private const string Detach = """
        # $1: the helper's log file (appended); $2...: the helper's argv. Prints the helper's pid.
        log=$1; shift
        setsid "$@" </dev/null >>"$log" 2>&1 &
        echo $!
        """;

    /// <summary>Starts <paramref name="argv"/> as a detached helper: <c>setsid</c>, stdin from <c>/dev/null</c>, output
    /// appended to <paramref name="logFile"/>. Returns the helper's process id once it has started.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.CommandFailed"/> when it cannot be started.</exception>
    public static async Task<int> StartDetachedHelperAsync(IReadOnlyList<string> argv, string logFile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentException.ThrowIfNullOrEmpty(logFile);
        if (argv.Count == 0)
        {
            throw new ArgumentException("The helper's argv is empty.", nameof(argv));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        await using var host = new LocalHost();
        var result = await host.RunScriptAsync(Detach, [Path.GetFullPath(logFile), .. argv], cancellationToken: cancellationToken).ThrowOnFailure().ConfigureAwait(false);
        return int.TryParse(result.StandardOutput.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
            ? pid
            : throw new DeployException(DeployErrorCode.CommandFailed, $"The detached helper {argv[0]} did not report its pid (got '{result.StandardOutput.Trim()}').") { Command = argv[0] };
    }
}
