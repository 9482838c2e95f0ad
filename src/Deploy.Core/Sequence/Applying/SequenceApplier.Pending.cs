using Deploy.Core.Operations.Journaling;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Applying;

/// <summary>Planning when the target holds the journal of an interrupted apply (shared by <c>plan</c> and <c>apply</c>).</summary>
public sealed partial class SequenceApplier
{
    /// <summary>
    /// The plan that completes <paramref name="journal"/>'s apply: the interrupted plan itself, continued after its
    /// completed steps, when <see cref="ResumePoint"/> finds it unchanged; else a recovery plan. Either way with
    /// <see cref="Plan.Pending"/> saying what was found.
    /// </summary>
    private static (Plan Plan, bool Continued) PlanPending(DesiredTarget desired, TargetState? state, PlanOptions options, OperationJournal<ApplyRecord> journal)
    {
        var same = ResumePoint.Find(desired, state, options, journal);
        var plan = same ?? SequencePlanner.Plan(desired, state, options with { Interrupted = journal.Payload });
        return (plan with { Pending = ResumePoint.Describe(journal, same) }, same is not null);
    }
}
