namespace Deploy.Core.Sequence;

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
    public Journal? Interrupted { get; init; }
}
