namespace Deploy.Core.Fleet;

/// <summary>What a fleet run does when an operation fails on a host.</summary>
public enum FleetFailureMode
{
    /// <summary>Keep going: every other host still runs (subject to <see cref="FleetOptions.MaxFailurePercentage"/>),
    /// and the result lists each failure.</summary>
    Continue = 0,

    /// <summary>Stop at the first failure: operations still running are cancelled, hosts not started yet are
    /// reported as not run, and the result is aborted (<see cref="Errors.DeployErrorCode.RolloutAborted"/>).</summary>
    FailFast = 1,
}
