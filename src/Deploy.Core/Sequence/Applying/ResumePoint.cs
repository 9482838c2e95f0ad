using Deploy.Core.Operations.Journaling;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// Where an interrupted apply resumes. When its journal records completed steps (a step failed in-process: the
/// runner recorded every step before it) and the plan re-computed from the same recorded state has exactly the same
/// steps (names carry a <see cref="StepDigest"/>), the apply continues that journal at its first step not completed:
/// nothing that succeeded is transferred or run again. Otherwise (a kill, where completions are unknown, or a
/// definition that changed since) the applier plans a recovery that completes the interrupted apply forward.
/// </summary>
internal static class ResumePoint
{
    /// <summary>The interrupted plan when <paramref name="journal"/> can be continued step by step, else <c>null</c>.</summary>
    public static Plan? Find(DesiredTarget desired, TargetState? state, PlanOptions options, OperationJournal<ApplyRecord> journal)
    {
        if (journal.Phase != OperationPhase.Applying || journal.CompletedCount == 0)
        {
            return null;
        }

        // The interrupted plan was either a plain one or itself a recovery of an earlier interruption.
        foreach (var interrupted in new[] { null, journal.Payload })
        {
            var plan = SequencePlanner.Plan(desired, state, options with { Interrupted = interrupted });
            if (plan.Steps.Count == journal.Steps.Count && plan.Steps.Select(s => PlanStepOperation.For(s).Name).SequenceEqual(journal.Steps.Select(s => s.Name), StringComparer.Ordinal))
            {
                return plan with { CompletedSteps = journal.CompletedCount };
            }
        }

        return null;
    }

    /// <summary>The line <c>plan</c> and <c>apply</c> print about a pending interrupted apply.</summary>
    public static string Describe(OperationJournal<ApplyRecord> journal, Plan? resumable)
    {
        var who = journal.Holder is { } h ? $" by {h.User}@{h.Machine} (pid {h.ProcessId})" : "";
        var head = $"an interrupted apply ({journal.Id}, started {journal.Started:yyyy-MM-dd HH:mm:ss}Z{who})";
        if (resumable is not null)
        {
            var next = resumable.Steps[resumable.CompletedSteps];
            return $"{head} completed {resumable.CompletedSteps} of {resumable.Steps.Count} steps; apply resumes at step {resumable.CompletedSteps + 1}: {next.Describe()}";
        }

        var components = string.Join(", ", journal.Payload.Decisions.Where(d => d.Action != ComponentAction.None).Select(d => $"{d.Component} ({d.Action.ToString().ToLowerInvariant()})"));
        return journal.Payload.StepCount == 0
            ? $"{head} left components to complete: {components}"
            : $"{head} of {journal.Payload.StepCount} steps is completed by this plan: {components}";
    }
}
