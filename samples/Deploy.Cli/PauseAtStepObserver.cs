using System.Globalization;
using Deploy.Core.Operations.Running;

namespace Deploy.Cli;

/// <summary>
/// For real-kill tests: with DEPLOY_TEST_PAUSE_AT=n in the environment, `deploy apply` (and `install`, `upgrade`...) stops at step boundary n
/// (0 = before the first step, k = after step k-1 and before step k, the step count = after the last step), prints
/// <c>DEPLOY-TEST-PAUSED n step</c> on stdout and waits until it is killed. The lifecycle verbs honour it too (a
/// boundary between waves).
/// </summary>
internal sealed class PauseAtStepObserver(int boundary) : IOperationObserver
{
    public const string Variable = "DEPLOY_TEST_PAUSE_AT";

    /// <summary>The observer the environment asks for, if any.</summary>
    public static PauseAtStepObserver? FromEnvironment()
        => int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? new PauseAtStepObserver(n) : null;

    public Task AtBoundaryAsync(OperationBoundary reached, CancellationToken cancellationToken)
        => reached.Index == boundary ? PauseAsync(reached.NextStep ?? "after the last step", cancellationToken) : Task.CompletedTask;

    private async Task PauseAsync(string step, CancellationToken cancellationToken)
    {
        await Console.Out.WriteLineAsync($"DEPLOY-TEST-PAUSED {boundary.ToString(CultureInfo.InvariantCulture)} {step}").ConfigureAwait(false);
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }
}
