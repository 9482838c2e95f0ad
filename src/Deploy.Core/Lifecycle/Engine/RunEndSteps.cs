using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Operations.Running;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>Runs the test hooks of every touched service (<c>--auto-test</c>); a failure fails the run, which rolls it back.</summary>
internal sealed class AutoTestStep : IOperationStep<LifecycleRun>
{
    public string Name => "auto-test";

    public StepJournaling Journaling => StepJournaling.Unrecorded;

    public Task ApplyAsync(LifecycleRun context, CancellationToken cancellationToken) =>
        context.Clock.TimeAsync(LifecyclePhase.Test, () => TestAsync(context, cancellationToken));

    private static async Task TestAsync(LifecycleRun context, CancellationToken cancellationToken)
    {
        var steps = context.Journal.Plan.Changes.Where(s => s.Action is LifecycleAction.Install or LifecycleAction.Upgrade or LifecycleAction.Configure or LifecycleAction.Restart && context.Rendered[s.Key].Hooks.ContainsKey(HookKind.Test)).ToList();
        var results = await Task.WhenAll(steps.Select(s => context.Backend.RunHookAsync(context.Rendered[s.Key], HookKind.Test, l => context.Report(LifecycleEventKind.Output, s, l), cancellationToken))).ConfigureAwait(false);
        context.Tests.AddRange(results);
        foreach (var (s, r) in steps.Zip(results))
        {
            context.Report(r.Succeeded ? LifecycleEventKind.TestPassed : LifecycleEventKind.TestFailed, s, r.Succeeded ? "test passed" : r.TimedOut ? "test timed out" : $"test failed (exit {r.ExitCode})");
        }

        if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
        {
            throw new DeployException(DeployErrorCode.VerificationFailed, $"Auto-test failed: {string.Join(", ", results.Where(r => !r.Succeeded).Select(r => $"{r.Service} on {r.Host}"))}.\n{failed.Output}") { Service = failed.Service, Host = failed.Host };
        }
    }

    public Task RollbackAsync(LifecycleRun context, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Writes the release record on every host: the last step, so a recorded release is a completed one.</summary>
/// <remarks>Unrecorded: its completion is not journaled, which saves the run's last journal write (a round trip and a
/// durable write on the first host) just before the journal is deleted. Nothing is lost: a run killed after the record
/// but before the journal's deletion is resumed from this step, which writes the same record again (its number comes
/// from the journal), or it is rolled back by another operation, which rolls back every step and overwrites the record
/// with a rolled-back one, exactly as when the completion had been journaled.</remarks>
internal sealed class RecordStep(TimeProvider time) : IOperationStep<LifecycleRun>
{
    public string Name => "record-release";

    public StepJournaling Journaling => StepJournaling.Unrecorded;

    public Task ApplyAsync(LifecycleRun context, CancellationToken cancellationToken) =>
        context.Clock.TimeAsync(LifecyclePhase.Record, () => RecordAsync(context, cancellationToken));

    private async Task RecordAsync(LifecycleRun context, CancellationToken cancellationToken)
    {
        var record = context.Release(ReleaseOutcome.Succeeded, time.GetUtcNow(), null);
        if (record.Payload is { } payload)
        {
            // Before the record: a recorded release always has its payload on the targets (each service folder on the
            // hosts running it, one not installed on the first host); payloads of releases no longer kept go.
            var byHost = context.Backend.Hosts.ToDictionary(h => h, _ => new List<ServiceDefinition>(), StringComparer.Ordinal);
            foreach (var s in context.Product.Services)
            {
                foreach (var h in record.Services.FirstOrDefault(r => r.Name == s.Name)?.Hosts ?? [context.Backend.Hosts[0]])
                {
                    byHost[h].Add(s);
                }
            }

            await context.Backend.KeepPayloadsAsync(byHost.ToDictionary(x => x.Key, x => (IReadOnlyList<ServiceDefinition>)x.Value, StringComparer.Ordinal), context.KeptPayloads.Concat(payload.Keys).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        }

        await context.Backend.WriteReleaseAsync(record, cancellationToken).ConfigureAwait(false);
        context.Progress?.Report(new LifecycleProgress(LifecycleEventKind.Recorded, $"release {record.Number} recorded on {context.Backend.Hosts.Count} host(s)"));
    }

    public Task RollbackAsync(LifecycleRun context, CancellationToken cancellationToken) => Task.CompletedTask;
}
