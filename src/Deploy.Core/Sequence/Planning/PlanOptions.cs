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
}
