using Deploy.Core.Sequence.Drift;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Planning;

/// <summary>Options for <see cref="SequencePlanner.Plan"/>.</summary>
public sealed record PlanOptions
{
    /// <summary>
    /// The target itself (re)started, like B&amp;R's AR cold/warm start: every component restarts except those with
    /// <see cref="RestartEvent.Ignore"/>. <value>The default is <c>false</c>.</value> A target without any recorded
    /// state is always treated as a first deploy: every component is installed.
    /// </summary>
    public bool InitialStart { get; init; }

    /// <summary>
    /// A plan that was interrupted (found in the journal). The new plan completes it with the current
    /// definitions: every file it was sending is sent again, every component it was restarting, reinstalling or
    /// installing gets at least that action again, and an interrupted target restart is repeated. So a target never
    /// keeps new files with old (or stopped) services, and a definition fixed after a failing service is used at once.
    /// </summary>
    public ApplyRecord? Interrupted { get; init; }

    /// <summary>
    /// Check the live target before planning (<c>deploy plan --verify</c>): the applier lists the deployed roots in
    /// one round trip and gives the planner the <see cref="Drift"/>, so a file edited or deleted by hand since the
    /// last deploy is sent again. <value>The default is <c>false</c>: the recorded state is trusted.</value>
    /// </summary>
    public bool Verify { get; init; }

    /// <summary>
    /// Files found different on the live target (set by the applier when <see cref="Verify"/> is on, or by a
    /// caller that checked itself): each is planned as unknown and sent again with the reason
    /// <c>changed on the target since the last deploy</c> or <c>deleted on the target</c>. <value>The default is
    /// <c>null</c>: no drift known.</value>
    /// </summary>
    public TargetDrift? Drift { get; init; }

    /// <summary>
    /// Apply only these components (<c>--components a,b</c>); every other component is left exactly as it is: its
    /// files, its services and its recorded state (a recorded component missing from the definition is not removed
    /// unless it is selected). With a selection, target-level files and configuration are applied only on a first
    /// deploy. A selection that finds an interrupted apply widens to the components that apply was changing.
    /// Names that are neither defined nor recorded are refused with <see cref="Errors.DeployErrorCode.ComponentUnknown"/>.
    /// <value>The default is <c>null</c>: every component.</value>
    /// </summary>
    public IReadOnlyList<string>? Components { get; init; }
}
