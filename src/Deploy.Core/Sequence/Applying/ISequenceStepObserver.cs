namespace Deploy.Core.Sequence;

/// <summary>
/// Called around every step an apply executes. Tools use it for custom reporting; tests use it to inject faults
/// at each step boundary (throw, or cancel) and prove that the next apply completes the interrupted one.
/// </summary>
public interface ISequenceStepObserver
{
    /// <summary>Before <paramref name="step"/> runs (after the journal records the previous step).</summary>
    ValueTask BeforeStepAsync(PlanStep step, CancellationToken cancellationToken);

    /// <summary>After <paramref name="step"/> ran, before the journal records it.</summary>
    ValueTask AfterStepAsync(PlanStep step, CancellationToken cancellationToken);
}
