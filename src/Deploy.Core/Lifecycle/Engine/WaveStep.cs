using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Operations.Running;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>One wave of a plan: its steps run with bounded parallelism; each places (or removes) one service on one
/// host and runs its hook. With parallelism, the services a wave installs or upgrades on the same host are placed in
/// one go (<see cref="ILifecycleBackend.ApplyServicesAsync"/>: one sequence apply, one settle wait per host), then each
/// runs its own hook, with its own prefixed output and result. Rolled back by removing what the wave installed fresh.</summary>
/// <remarks>Given several waves (a parallel install or upgrade, see <see cref="StepGraph"/>), it is one step that runs
/// them as a dependency graph instead: each service as soon as its own dependencies are placed.</remarks>
internal sealed class WaveStep(IReadOnlyList<LifecycleWave> waves) : IOperationStep<LifecycleRun>
{
    private readonly LifecycleWave wave = waves[0];

    public WaveStep(LifecycleWave wave)
        : this([wave])
    {
    }

    public string Name => waves.Count == 1 ? $"wave-{wave.Number}" : $"waves-{wave.Number}-{waves[^1].Number}";

    public Task ApplyAsync(LifecycleRun context, CancellationToken cancellationToken) =>
        context.Clock.TimeAsync(LifecyclePhase.Apply, () => waves.Count == 1 ? ApplyWaveAsync(context, cancellationToken) : StepGraph.RunAsync(context, waves, cancellationToken));

    private async Task ApplyWaveAsync(LifecycleRun context, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(context.Journal.Plan.Parallel);
        var pending = wave.Steps.Where(s => s.Action != LifecycleAction.Keep && !context.Journal.Done.Contains(s.Key)).ToList();
        var tasks = Units(context, pending).Select(async unit =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await RunUnitAsync(context, unit, cancellationToken).ConfigureAwait(false);
                if (pending.Count > 1)
                {
                    // The runner records the wave when it ends; each step is recorded as it ends, so that a run killed
                    // inside the wave does not run this step's hooks again.
                    await context.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.Count(t => t.IsFaulted) > 1)
        {
            throw Combine(tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList(), $"wave {wave.Number}");
        }
    }

    /// <summary>The failures of several steps as one error (the first's code, service and host; every message).</summary>
    internal static Exception Combine(IReadOnlyList<Exception> errors, string where) => errors.Count == 1 ? errors[0]
        : errors[0] is DeployException first
            ? new DeployException(first.Code, $"{errors.Count} steps of {where} failed: " + string.Join(" | ", errors.Select(e => e.Message)), first) { Service = first.Service, Host = first.Host }
            : errors[0];

    /// <summary><paramref name="e"/> named after step <paramref name="s"/> when it names no service.</summary>
    internal static DeployException Named(DeployException e, LifecycleStep s) => e.Service is not null ? e
        : new DeployException(e.Code, $"{s.Service} on {s.Host}: {e.Message}", e) { Service = s.Service, Host = e.Host ?? s.Host, Path = e.Path };

    /// <summary>What runs as one: with parallelism, the installs and upgrades of one host together; every other step alone.</summary>
    private static List<IReadOnlyList<LifecycleStep>> Units(LifecycleRun context, List<LifecycleStep> pending)
    {
        if (context.Journal.Plan.Parallel <= 1)
        {
            return pending.Select(s => (IReadOnlyList<LifecycleStep>)[s]).ToList();
        }

        var placed = pending.Where(s => s.Action is LifecycleAction.Install or LifecycleAction.Upgrade).GroupBy(s => s.Host, StringComparer.Ordinal).Select(g => (IReadOnlyList<LifecycleStep>)g.ToList());
        return placed.Concat(pending.Where(s => s.Action is not (LifecycleAction.Install or LifecycleAction.Upgrade)).Select(s => (IReadOnlyList<LifecycleStep>)[s])).ToList();
    }

    private static async Task RunUnitAsync(LifecycleRun context, IReadOnlyList<LifecycleStep> unit, CancellationToken cancellationToken)
    {
        if (unit.Count == 1)
        {
            await RunOneAsync(context, unit[0], false, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var s in unit)
        {
            context.Report(LifecycleEventKind.StepStarted, s, $"{s.Action.ToString().ToLowerInvariant()}: {s.Reason}");
        }

        try
        {
            await context.Backend.ApplyServicesAsync(unit.Select(s => new ServiceToApply(context.Rendered[s.Key], context.Configs[s.Key])).ToList(), context.Meter, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Service is null)
        {
            throw new DeployException(e.Code, $"{string.Join(", ", unit.Select(s => s.Service))} on {unit[0].Host}: {e.Message}", e) { Service = unit[0].Service, Host = e.Host ?? unit[0].Host, Path = e.Path };
        }

        await Task.WhenAll(unit.Select(s => RunOneAsync(context, s, true, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Runs step <paramref name="s"/>; with <paramref name="placed"/> its service is already placed (an install
    /// or upgrade placed with others of its host): only its hook runs.</summary>
    private static async Task RunOneAsync(LifecycleRun context, LifecycleStep s, bool placed, CancellationToken cancellationToken)
    {
        if (!placed)
        {
            context.Report(LifecycleEventKind.StepStarted, s, $"{s.Action.ToString().ToLowerInvariant()}: {s.Reason}");
        }

        var backend = context.Backend;
        try
        {
            if (s.Action == LifecycleAction.Verify)
            {
                var test = await backend.RunHookAsync(context.Rendered[s.Key], HookKind.Test, l => context.Report(LifecycleEventKind.Output, s, l), cancellationToken).ConfigureAwait(false);
                lock (context.Tests)
                {
                    context.Tests.Add(test);
                }

                context.Report(test.Succeeded ? LifecycleEventKind.TestPassed : LifecycleEventKind.TestFailed, s, test.Succeeded ? "test passed on the new host" : "test failed on the new host");
                if (!test.Succeeded)
                {
                    throw new DeployException(DeployErrorCode.VerificationFailed, $"{s.Service} does not pass its test on {s.Host}, its new host {(test.TimedOut ? "(timed out)" : $"(exit {test.ExitCode})")}; it stays where it was.\n{test.Output}") { Service = s.Service, Host = s.Host };
                }
            }
            else if (s.Action is LifecycleAction.Configure or LifecycleAction.Restart)
            {
                var rendered = context.Rendered[s.Key];
                if (s.Action == LifecycleAction.Configure)
                {
                    await backend.ApplyServiceAsync(rendered, context.Configs[s.Key], context.Meter, cancellationToken).ConfigureAwait(false);
                }

                await backend.RestartServiceAsync(rendered, cancellationToken).ConfigureAwait(false);
            }
            else if (s.Action == LifecycleAction.Remove && Blocking(context, s) is { Count: > 0 } blocking)
            {
                // A service still installed (its removal failed) may still need this one: removing it is not safe.
                context.LeftOver[s.Key] = new LeftOver(s.Service, s.Host, $"not removed: {string.Join(", ", blocking)} depend{(blocking.Count == 1 ? "s" : "")} on it and could not be removed") { StillInstalled = true };
                context.Report(LifecycleEventKind.Warning, s, $"kept: {string.Join(", ", blocking)} (depending on it) could not be removed; listed as left over");
            }
            else if (s.Action == LifecycleAction.Remove)
            {
                if (context.Rendered.TryGetValue(s.Key, out var gone) && gone.Hooks.ContainsKey(HookKind.Delete))
                {
                    var hook = await backend.RunHookAsync(gone, HookKind.Delete, l => context.Report(LifecycleEventKind.Output, s, l), cancellationToken).ConfigureAwait(false);
                    if (!hook.Succeeded)
                    {
                        // The service's own files and processes are the engine's to remove whatever the hook did; what
                        // the hook had still to clean up (data elsewhere, outside registrations) is listed as left over.
                        var why = hook.TimedOut
                            ? $"the delete hook ran past its timeout of {gone.Hooks[HookKind.Delete].Timeout} and was {(hook.Stop == HookStop.Terminated ? "stopped (TERM)" : "killed (TERM, then KILL)")}"
                            : $"the delete hook exited with {hook.ExitCode}";
                        context.LeftOver[s.Key] = new LeftOver(s.Service, s.Host, $"{why}; what it had not cleaned up is left: {Tail(hook.Output)}");
                        context.Report(hook.TimedOut ? LifecycleEventKind.HookTimedOut : LifecycleEventKind.Warning, s, $"{why}; removing the service anyway");
                    }
                }

                try
                {
                    await backend.RemoveServiceAsync(s.Service, s.Host, cancellationToken).ConfigureAwait(false);
                }
                catch (DeployException e) when (context.Journal.Plan.Operation is LifecycleOperation.Schedule or LifecycleOperation.Delete && e.Code != DeployErrorCode.Cancelled)
                {
                    // Schedule: the service already runs, tested, on its new hosts: rolling the move back would be worse
                    // than an old copy left behind. Delete: the services depending on it are gone; the others go on
                    // where safe. Either way it stays recorded as installed there, so the next run tries again.
                    var what = context.Journal.Plan.Operation == LifecycleOperation.Schedule ? "not removed from its old host" : "its removal failed";
                    var hook = context.LeftOver.TryGetValue(s.Key, out var earlier) ? $"; {earlier.What}" : "";
                    context.LeftOver[s.Key] = new LeftOver(s.Service, s.Host, $"{what}: {e.Message}{hook}") { StillInstalled = true };
                    context.Report(LifecycleEventKind.Warning, s, $"{what} ({e.Code}); listed as left over, still installed");
                }
            }
            else
            {
                var rendered = context.Rendered[s.Key];
                if (!placed)
                {
                    await backend.ApplyServiceAsync(rendered, context.Configs[s.Key], context.Meter, cancellationToken).ConfigureAwait(false);
                }

                await RunPlacedHookAsync(context, s, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DeployException e) when (e.Service is null)
        {
            throw Named(e, s);
        }

        context.Done[s.Key] = true;
        context.Report(LifecycleEventKind.StepCompleted, s, "done");
    }

    /// <summary>The hook of an install or upgrade: <see cref="HookKind.Install"/> or <see cref="HookKind.Upgrade"/>.</summary>
    internal static HookKind PlacedHook(LifecycleStep s) => s.Action == LifecycleAction.Upgrade ? HookKind.Upgrade : HookKind.Install;

    /// <summary>Runs the install or upgrade hook of step <paramref name="s"/> (placed) when its service has one.</summary>
    internal static async Task RunPlacedHookAsync(LifecycleRun context, LifecycleStep s, CancellationToken cancellationToken)
    {
        var rendered = context.Rendered[s.Key];
        var kind = PlacedHook(s);
        if (rendered.Hooks.ContainsKey(kind))
        {
            var hook = await context.Backend.RunHookAsync(rendered, kind, l => context.Report(LifecycleEventKind.Output, s, l), cancellationToken).ConfigureAwait(false);
            if (!hook.Succeeded)
            {
                context.Report(hook.TimedOut ? LifecycleEventKind.HookTimedOut : LifecycleEventKind.Warning, s, $"{kind.ToString().ToLowerInvariant()} hook failed");
                throw new DeployException(DeployErrorCode.ServiceFailed, $"The {kind.ToString().ToLowerInvariant()} hook of {s.Service} on {s.Host} {(hook.TimedOut ? "ran past its timeout and was killed" : $"exited with {hook.ExitCode}")}:\n{hook.Output}") { Service = s.Service, Host = s.Host };
            }
        }
    }

    private static List<string> Blocking(LifecycleRun context, LifecycleStep s) => context.Journal.Plan.Operation != LifecycleOperation.Delete
        ? []
        : context.Product.Services.Where(d => d.DependsOn.Contains(s.Service, StringComparer.Ordinal) && context.LeftOver.Values.Any(l => l.Service == d.Name && l.StillInstalled))
            .Select(d => d.Name).Order(StringComparer.Ordinal).ToList();

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(3));
    }

    public async Task RollbackAsync(LifecycleRun context, CancellationToken cancellationToken)
    {
        foreach (var w in waves.Reverse())
        {
            await RollbackWaveAsync(context, w, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RollbackWaveAsync(LifecycleRun context, LifecycleWave wave, CancellationToken cancellationToken)
    {
        var before = (context.Previous?.Services ?? []).ToDictionary(x => x.Name, StringComparer.Ordinal);
        foreach (var s in wave.Steps.Where(s => s.Action == LifecycleAction.Install).Reverse())
        {
            if (before.TryGetValue(s.Service, out var had) && had.Hosts.Contains(s.Host, StringComparer.Ordinal))
            {
                context.Report(LifecycleEventKind.Warning, s, "was installed before this run: left with the new content (use rollback to a release)");
                continue;
            }

            await context.Backend.RemoveServiceAsync(s.Service, s.Host, cancellationToken).ConfigureAwait(false);
            context.Report(LifecycleEventKind.RollingBack, s, "removed (installed by the rolled-back run)");
        }

        foreach (var s in wave.Steps.Where(s => s.Action == LifecycleAction.Configure && context.Done.ContainsKey(s.Key)))
        {
            var configs = context.LiveBefore.TryGetValue(s.Key, out var live) ? live : new Dictionary<string, string>();
            await context.Backend.ApplyServiceAsync(context.Rendered[s.Key], configs, context.Progress, cancellationToken).ConfigureAwait(false);
            await context.Backend.RestartServiceAsync(context.Rendered[s.Key], cancellationToken).ConfigureAwait(false);
            context.Report(LifecycleEventKind.RollingBack, s, "config files put back as they were; restarted");
        }

        foreach (var s in wave.Steps.Where(s => s.Action == LifecycleAction.Upgrade))
        {
            if (context.PreviousRendered.TryGetValue(s.Key, out var previous))
            {
                var configs = context.LiveBefore.TryGetValue(s.Key, out var live) ? live : new Dictionary<string, string>();
                await context.Backend.ApplyServiceAsync(previous, configs, context.Progress, cancellationToken).ConfigureAwait(false);
                context.Report(LifecycleEventKind.RollingBack, s, $"restored {previous.Service.Version} with the config files as they were");
            }
            else
            {
                context.Report(LifecycleEventKind.Warning, s, "upgraded by the rolled-back run: left with the new content (the previous package was not given; use rollback to a release)");
            }
        }
    }
}
