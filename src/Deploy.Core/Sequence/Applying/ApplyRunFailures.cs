using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Operations.Journaling;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// The error-handling half of an apply: what a failing service does per its component's <see cref="ErrorHandling"/>,
/// the settle watch of the runtime services it started, and the record of components it could not complete.
/// </summary>
internal sealed partial class ApplyRun
{
    private readonly List<(ServiceRef Service, ErrorHandling ErrorHandling)> _started = [];
    private long _lastStart;

    /// <summary>How long runtime services started by this apply must keep running (<see cref="ApplyOptions.RuntimeSettlePeriod"/>).</summary>
    public TimeSpan SettlePeriod { get; init; }

    /// <summary>Every failure, in order.</summary>
    public List<ServiceFailure> Failures { get; } = [];

    /// <summary>Components whose action this apply could not complete: the next plan does it again.</summary>
    public HashSet<string> Incomplete { get; } = new(StringComparer.Ordinal);

    /// <summary>A service step failed: a warning (Continue), the rest of its component skipped (Component), or the apply stops (Stop).</summary>
    public void Fail(PlanStep step, string message, int? exitCode, Exception? inner)
    {
        var component = step.Component ?? "";
        switch (step.ErrorHandling)
        {
            case ErrorHandling.Continue:
                Failures.Add(new ServiceFailure(component, step.ServiceRef?.ToString() ?? "", exitCode, message, step.ErrorHandling));
                Warn(step, message + " (ErrorHandling=Ignore: the apply goes on)");
                return;
            case ErrorHandling.Component:
                Failures.Add(new ServiceFailure(component, step.ServiceRef?.ToString() ?? "", exitCode, message, step.ErrorHandling));
                Incomplete.Add(component);
                Warn(step, message + $" (ErrorHandling=Component: the rest of {component} is skipped, the other components go on)");
                return;
            default:
                throw new DeployException(DeployErrorCode.ServiceFailed, message + ". The journal records the steps that completed: fix the cause and apply again to resume at this step.", inner)
                {
                    ExitCode = exitCode,
                    Command = step.Service?.Command,
                    Service = step.ServiceRef?.ToString(),
                };
        }
    }

    /// <summary>Whether <paramref name="step"/> belongs to a component that failed with ErrorHandling=Component (it is skipped and reported).</summary>
    public bool Skips(PlanStep step)
    {
        if (step.Component is null || step.Kind is not (StepKind.RunService or StepKind.StartService) || !Failures.Any(f => f.Component == step.Component && f.ErrorHandling == ErrorHandling.Component))
        {
            return false;
        }

        Actions.Add("skip " + step.Describe());
        Progress?.Report(new SequenceProgress(SequenceEventKind.Warning, $"skipped {step.Describe()}: {step.Component} failed (ErrorHandling=Component)") { Step = step, StepCount = Plan.Steps.Count });
        return true;
    }

    /// <summary>Whether this apply started a runtime service (the commit waits for its settle period).</summary>
    public bool HasStartedServices => _started.Count > 0;

    /// <summary>A runtime service started: it is watched until the settle period has passed.</summary>
    public void Started(PlanStep step)
    {
        _started.Add((step.ServiceRef!, step.ErrorHandling));
        _lastStart = Time.GetTimestamp();
    }

    /// <summary>
    /// Waits until the last runtime service started has run for <see cref="SettlePeriod"/>, then checks every one
    /// started: one that exited is a failure with its exit code and log tail, handled per its ErrorHandling, and its
    /// component is recorded as incomplete (the next plan restarts it) whatever the ErrorHandling.
    /// </summary>
    public async Task SettleAsync(CancellationToken cancellationToken)
    {
        if (_started.Count == 0 || SettlePeriod <= TimeSpan.Zero)
        {
            return;
        }

        var remaining = SettlePeriod - Time.GetElapsedTime(_lastStart);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, Time, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (service, errorHandling) in _started)
        {
            var status = await Services.GetStatusAsync(service, cancellationToken).ConfigureAwait(false);
            if (status.Running)
            {
                continue;
            }

            var message = ExitedMessage(service, status, SettlePeriod);
            Failures.Add(new ServiceFailure(service.Component, service.ToString(), status.ExitCode, message, errorHandling) { Crashed = true });
            Incomplete.Add(service.Component);
            Warn(null, message + $" (ErrorHandling={Name(errorHandling)}; the next plan restarts {service.Component})");
        }
    }

    /// <summary>What a runtime service found not running at the end of its settle period says: its exit code and the end of its log.</summary>
    internal static string ExitedMessage(ServiceRef service, ServiceStatus status, TimeSpan period)
    {
        var code = status.ExitCode is { } c ? string.Create(CultureInfo.InvariantCulture, $"with exit code {c}") : "(exit code unknown)";
        return string.Create(CultureInfo.InvariantCulture, $"{service} exited {code} within {period.TotalSeconds:0.###} s of its start")
            + (status.LogTail.Length > 0 ? "; the end of its log:\n" + status.LogTail : "; its log is empty");
    }

    /// <summary>
    /// After the state is recorded: a journal naming only the incomplete components (their action, no files), so
    /// the next plan (and <c>plan</c>) completes them instead of calling the target up to date. Written while the lock is held.
    /// </summary>
    public async Task RecordIncompleteAsync(CancellationToken cancellationToken)
    {
        if (Incomplete.Count == 0)
        {
            return;
        }

        // A component whose only failure is a runtime crash needs a restart; one whose install or startup failed
        // needs its action again (an install becomes a reinstall once its files and services are recorded).
        var decisions = Record.Decisions.Where(d => Incomplete.Contains(d.Component))
            .Select(d => d with
            {
                Action = Failures.Where(f => f.Component == d.Component).All(f => f.Crashed) ? ComponentAction.Restart : d.Action,
                Reasons = ["failed: " + string.Join("; ", Failures.Where(f => f.Component == d.Component).Select(f => f.Message.Split('\n')[0]))],
            })
            .ToList();
        var payload = Record with { StepCount = 0, Decisions = decisions, TargetRestartReasons = [], TransferredPaths = [] };
        await Store.Journal.WriteAsync(
            new OperationJournal<ApplyRecord>
            {
                Kind = ApplyRecord.JournalKind,
                Id = Holder.Id,
                Started = Time.GetUtcNow(),
                Holder = Holder,
                Steps = [new JournalStep("complete " + string.Join(", ", Incomplete.Order(StringComparer.Ordinal)), StepState.Pending)],
                Payload = payload,
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The apply's outcome once its steps ran: throws when a runtime service of an ErrorHandling=Target (Stop) component crashed.</summary>
    public void ThrowIfAborted()
    {
        if (Failures.FirstOrDefault(f => f.Crashed && f.ErrorHandling == ErrorHandling.Stop) is { } crash)
        {
            throw new DeployException(DeployErrorCode.ServiceFailed, crash.Message + $"\nThe apply is aborted (ErrorHandling=Target); the state is recorded and the next apply restarts {crash.Component}.")
            {
                ExitCode = crash.ExitCode,
                Service = crash.Service,
            };
        }
    }

    private static string Name(ErrorHandling e) => e switch { ErrorHandling.Stop => "Target", ErrorHandling.Continue => "Ignore", _ => "Component" };

    private void Warn(PlanStep? step, string message)
    {
        SequenceLog.ServiceFailedContinuing(Logger, message);
        Progress?.Report(new SequenceProgress(SequenceEventKind.Warning, message) { Step = step, StepCount = Plan.Steps.Count });
    }
}
