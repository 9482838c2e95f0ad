using System.Globalization;

namespace Deploy.Testing.Kill;

/// <summary>
/// The child side of the real-kill harness: a program calls <see cref="Reached"/> at each step boundary; when the
/// environment variable <see cref="Variable"/> equals that boundary's number, it prints the marker line
/// (<c>DEPLOY-TEST-PAUSED &lt;n&gt; &lt;step&gt;</c>) on stdout and blocks forever, so
/// <see cref="KillHarness"/> can SIGKILL it exactly there. Any other boundary returns at once.
/// A shell child uses <see cref="ShellFunction"/>; product code may print the same line (the harness only reads stdout).
/// </summary>
public sealed class StepBoundaries
{
    /// <summary>The environment variable holding the boundary number to pause at.</summary>
    public const string Variable = "DEPLOY_TEST_PAUSE_AT";

    /// <summary>The first word of the marker line.</summary>
    public const string Marker = "DEPLOY-TEST-PAUSED";

    /// <summary>
    /// A POSIX sh function with the same contract: <c>deploy_test_boundary N STEP</c> prints the marker and sleeps
    /// forever when <c>$DEPLOY_TEST_PAUSE_AT</c> is N. Paste it at the top of a test script.
    /// </summary>
    public const string ShellFunction =
        "deploy_test_boundary() { if [ \"${DEPLOY_TEST_PAUSE_AT:-}\" = \"$1\" ]; then echo \"DEPLOY-TEST-PAUSED $1 $2\"; while :; do sleep 3600; done; fi; }";

    private static readonly Lazy<StepBoundaries> FromEnvironment = new(() =>
        new StepBoundaries(int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null, Console.Out));

    private readonly TextWriter _output;

    /// <summary>Boundaries that pause at <paramref name="pauseAt"/> (none when <c>null</c>), printing to <paramref name="output"/>.</summary>
    public StepBoundaries(int? pauseAt, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        PauseAt = pauseAt;
        _output = output;
    }

    /// <summary>This process's boundaries: <see cref="Variable"/> from the environment, markers on stdout.</summary>
    public static StepBoundaries Current => FromEnvironment.Value;

    /// <summary>The boundary this process pauses at; <c>null</c> for none.</summary>
    public int? PauseAt { get; }

    /// <summary>The marker line for <paramref name="boundary"/> (whitespace in the step name becomes <c>_</c>).</summary>
    public static string MarkerLine(int boundary, string step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var name = string.Concat(step.Select(c => char.IsWhiteSpace(c) ? '_' : c));
        return string.Create(CultureInfo.InvariantCulture, $"{Marker} {boundary} {(name.Length == 0 ? "-" : name)}");
    }

    /// <summary>At a step boundary: returns at once, or prints the marker and blocks this thread forever.</summary>
    public void Reached(int boundary, string step)
    {
        if (Announce(boundary, step))
        {
            Thread.Sleep(Timeout.Infinite);
        }
    }

    /// <summary>At a step boundary: completes at once, or prints the marker and never completes (until cancelled).</summary>
    public Task ReachedAsync(int boundary, string step, CancellationToken cancellationToken = default) =>
        Announce(boundary, step) ? Task.Delay(Timeout.Infinite, cancellationToken) : Task.CompletedTask;

    private bool Announce(int boundary, string step)
    {
        if (PauseAt != boundary)
        {
            return false;
        }

        lock (_output)
        {
            _output.WriteLine(MarkerLine(boundary, step));
            _output.Flush();
        }

        return true;
    }
}
