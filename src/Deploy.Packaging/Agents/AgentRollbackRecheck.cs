using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Agents;

/// <summary>After a rollback, health-checks the restarted previous release with the same check and window: a rollback
/// to a release that is not healthy either is not a clean rollback.</summary>
internal static class AgentRollbackRecheck
{
    /// <summary><c>Healthy</c> is <c>null</c> when there is no check or no previous release; <c>Message</c> continues
    /// the outcome's sentence.</summary>
    public static async Task<(bool? Healthy, string Message)> RunAsync(IHost host, string app, AgentUpdateOptions options, HttpClient http, ILogger logger, AgentStateStore store, AgentState state, CancellationToken cancellationToken)
    {
        if (options.HealthCheck is not { } health || state.CurrentVersion is null || await store.CurrentReleaseAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return (null, "");
        }

        try
        {
            await health.WaitHealthyAsync(host, app + "/current", http, options.TimeProvider, cancellationToken, options.Service is { } service ? ct => service.StatusAsync(host, app, ct) : null).ConfigureAwait(false);
            return (true, $", which passed its health check again");
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.HealthCheckFailed)
        {
            Logging.RollbackUnhealthy(logger, app, state.CurrentVersion, e.Message);
            return (false, $", which is NOT healthy either (restarted, then {e.Message.Replace("The new version was not healthy", "not healthy", StringComparison.Ordinal).TrimEnd('.')}); the app needs attention");
        }
    }
}
