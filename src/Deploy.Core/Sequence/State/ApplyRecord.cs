using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// The record of an apply in progress, the payload of its operations journal (<see cref="Operations.Journaling.OperationJournal{TPayload}"/>):
/// what a later apply needs to complete it after a crash (the components' actions, whether the target was
/// restarting, and the paths being transferred, whose content on the target is therefore unknown).
/// </summary>
/// <param name="Target">The target's name.</param>
/// <param name="StepCount">Steps in the plan.</param>
/// <param name="Decisions">Per component, its action (reasons shortened).</param>
/// <param name="TargetRestartReasons">Why the target was restarting, if it was.</param>
/// <param name="TransferredPaths">Target paths the plan sends over a recorded file (their content on the target is unknown until the apply completes).</param>
public sealed record ApplyRecord(string Target, int StepCount, IReadOnlyList<ComponentDecision> Decisions, IReadOnlyList<string> TargetRestartReasons, IReadOnlyList<string> TransferredPaths)
{
    /// <summary>The operation kind of the sequence apply's journal and lock: <c>sequence-apply</c>.</summary>
    public const string JournalKind = "sequence-apply";

    /// <summary>The record of <paramref name="plan"/>, listing every path it transfers.</summary>
    public static ApplyRecord Of(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Create(plan, Transferred(plan).ToList());
    }

    /// <summary>
    /// The record of <paramref name="plan"/>, listing only the transferred paths <paramref name="recorded"/> records:
    /// a path it does not record is sent again by any later plan anyway, so a first deploy of 10,000 files journals
    /// none of them.
    /// </summary>
    /// <param name="plan">The plan about to be executed.</param>
    /// <param name="recorded">The state the plan starts from; <c>null</c> when the target has none.</param>
    public static ApplyRecord Of(Plan plan, TargetState? recorded)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (recorded is null)
        {
            return Create(plan, []);
        }

        var known = recorded.Files.Concat(recorded.Components.SelectMany(c => c.Files)).Select(f => f.Entry.Path).ToHashSet(StringComparer.Ordinal);
        return Create(plan, Transferred(plan).Where(known.Contains).ToList());
    }

    private static IEnumerable<string> Transferred(Plan plan)
        => plan.Steps.Where(s => s.Kind == StepKind.TransferFiles).SelectMany(s => s.Files!).Select(f => f.TargetPath);

    private static ApplyRecord Create(Plan plan, IReadOnlyList<string> transferred) => new(
        plan.Target,
        plan.Steps.Count,
        plan.Decisions.Select(d => d with { Reasons = d.Reasons.Take(3).ToList() }).ToList(),
        plan.TargetRestartReasons,
        transferred);
}
