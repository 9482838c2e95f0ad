using System.Globalization;
using Deploy.Core.Sequence;

namespace Deploy.Cli;

/// <summary>
/// For real-kill tests: with DEPLOY_TEST_PAUSE_AT=n in the environment, `deploy apply` stops at step boundary n
/// (0 = before the first step, k = after step k-1 and before step k, the step count = after the last step), prints
/// <c>DEPLOY-TEST-PAUSED n step</c> on stdout and waits until it is killed.
/// </summary>
internal sealed class PauseAtStepObserver(int boundary) : ISequenceStepObserver
{
    public const string Variable = "DEPLOY_TEST_PAUSE_AT";

    /// <summary>The observer the environment asks for, if any.</summary>
    public static PauseAtStepObserver? FromEnvironment()
        => int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? new PauseAtStepObserver(n) : null;

    public ValueTask BeforeStepAsync(PlanStep step, CancellationToken cancellationToken)
        => step.Index == boundary ? PauseAsync(step.Describe(), cancellationToken) : ValueTask.CompletedTask;

    public ValueTask AfterStepAsync(PlanStep step, CancellationToken cancellationToken)
        => step.Kind == StepKind.CommitState && step.Index + 1 == boundary ? PauseAsync("after " + step.Describe(), cancellationToken) : ValueTask.CompletedTask;

    private async ValueTask PauseAsync(string step, CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync($"DEPLOY-TEST-PAUSED {boundary.ToString(CultureInfo.InvariantCulture)} {step}").ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }
}
