using System.Collections.Concurrent;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// A parallel install or upgrade run as a dependency graph rather than in waves: each <c>service@host</c> is placed as
/// soon as the steps of the services it depends on (transitively, on any host) are placed (and their install or upgrade
/// hook passed), bounded by the plan's
/// parallelism; hosts proceed independently. The steps that became ready for a host while it was busy are placed
/// together (<see cref="ILifecycleBackend.StartServicesAsync"/>: one apply). A service's settle watch does not hold
/// back its dependents, but its own step is complete (journaled done, <see cref="LifecycleEventKind.StepCompleted"/>)
/// only once the watch passed. Its install or upgrade hook runs right after the placement, while the watch runs (a hook
/// that fails because the service exited reports the exit), or, for a service with a <see cref="HookKind.Ready"/> probe,
/// once the watch saw it ready. The first failure
/// cancels the rest; the step that owns these waves rolls them back.
/// </summary>
internal static class StepGraph
{
    /// <summary>Whether <paramref name="plan"/>'s <paramref name="waves"/> (those with work) run as a graph: a parallel
    /// plan of several waves that only installs, upgrades or keeps services.</summary>
    public static bool Applies(LifecyclePlan plan, IReadOnlyList<LifecycleWave> waves) =>
        plan.Parallel > 1 && waves.Count > 1 && waves.All(w => w.Steps.All(s => s.Action is LifecycleAction.Keep or LifecycleAction.Install or LifecycleAction.Upgrade));

    public static async Task RunAsync(LifecycleRun context, IReadOnlyList<LifecycleWave> waves, CancellationToken cancellationToken)
    {
        var pending = waves.SelectMany((w, i) => w.Steps.Where(s => s.Action != LifecycleAction.Keep && !context.Journal.Done.Contains(s.Key)).Select(s => (Wave: i, Step: s))).ToList();
        var closure = Closure(context.Product);
        var placed = pending.ToDictionary(p => p.Step.Key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        var hosts = pending.Select(p => p.Step.Host).Distinct(StringComparer.Ordinal).ToDictionary(h => h, _ => (Gate: new SemaphoreSlim(1, 1), Queue: new List<LifecycleStep>()), StringComparer.Ordinal);
        var failures = new ConcurrentQueue<Exception>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(context.Journal.Plan.Parallel);
        var graph = new Graph(context, placed, hosts, slots, failures, stop);
        var dependencies = pending.ToDictionary(p => p.Step.Key, p => pending.Where(d => d.Wave < p.Wave && closure[p.Step.Service].Contains(d.Step.Service)).Select(d => d.Step.Key).ToList(), StringComparer.Ordinal);
        foreach (var p in pending.Where(p => dependencies[p.Step.Key].Count == 0))
        {
            // Ready from the start: queued before any step takes its host, so a host's first placement takes them all.
            hosts[p.Step.Host].Queue.Add(p.Step);
        }

        var tasks = pending.Select(p => graph.StepAsync(p.Step, dependencies[p.Step.Key])).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var errors = failures.Distinct().ToList();
        if (errors.Count > 0)
        {
            throw WaveStep.Combine(errors, $"waves {waves[0].Number}-{waves[^1].Number}");
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Each service's dependencies, transitively.</summary>
    private static Dictionary<string, HashSet<string>> Closure(ProductDefinition product)
    {
        var direct = product.Services.ToDictionary(s => s.Name, s => s.DependsOn, StringComparer.Ordinal);
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var name in direct.Keys)
        {
            var all = new HashSet<string>(StringComparer.Ordinal);
            var next = new Stack<string>(direct[name]);
            while (next.TryPop(out var d))
            {
                if (all.Add(d) && direct.TryGetValue(d, out var more))
                {
                    foreach (var m in more)
                    {
                        next.Push(m);
                    }
                }
            }

            result[name] = all;
        }

        return result;
    }

    private sealed class Graph(
        LifecycleRun context,
        Dictionary<string, TaskCompletionSource> placed,
        Dictionary<string, (SemaphoreSlim Gate, List<LifecycleStep> Queue)> hosts,
        SemaphoreSlim slots,
        ConcurrentQueue<Exception> failures,
        CancellationTokenSource stop)
    {
        /// <summary>Step <paramref name="s"/>: waits for <paramref name="dependencies"/> to be placed, queues itself on
        /// its host and, when it gets the host first, places everything queued there (itself included) and completes it.</summary>
        public async Task StepAsync(LifecycleStep s, IReadOnlyList<string> dependencies)
        {
            try
            {
                await Task.WhenAll(dependencies.Select(d => placed[d].Task)).WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A dependency failed (its failure is recorded) or the run is cancelled: this step does not start.
                placed[s.Key].TrySetCanceled(stop.Token);
                return;
            }

            var (gate, queue) = hosts[s.Host];
            if (dependencies.Count > 0)
            {
                lock (queue)
                {
                    queue.Add(s);
                }
            }

            List<LifecycleStep>? batch = null;
            Task? watch = null;
            try
            {
                await gate.WaitAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    lock (queue)
                    {
                        batch = queue.ToList();
                        queue.Clear();
                    }

                    if (batch.Count > 0)
                    {
                        watch = await PlaceAsync(batch).ConfigureAwait(false);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }
            catch (Exception e)
            {
                Fail(batch is { Count: > 0 } ? batch : [s], e);
                return;
            }

            if (batch.Count > 0)
            {
                // Placed by this task (else by an earlier one, which completes it).
                await Task.WhenAll(batch.Select(b => CompleteAsync(b, watch!))).ConfigureAwait(false);
            }
        }

        private async Task<Task> PlaceAsync(List<LifecycleStep> batch)
        {
            await slots.WaitAsync(stop.Token).ConfigureAwait(false);
            try
            {
                foreach (var b in batch)
                {
                    context.Report(LifecycleEventKind.StepStarted, b, $"{b.Action.ToString().ToLowerInvariant()}: {b.Reason}");
                }

                var watch = await context.Backend.StartServicesAsync(batch.Select(b => new ServiceToApply(context.Rendered[b.Key], context.Configs[b.Key])).ToList(), context.Meter, stop.Token).ConfigureAwait(false);
                foreach (var b in batch.Where(b => !context.Rendered[b.Key].Hooks.ContainsKey(WaveStep.PlacedHook(b))))
                {
                    placed[b.Key].TrySetResult();
                }

                return watch;
            }
            catch (DeployException e) when (e.Service is null)
            {
                throw new DeployException(e.Code, $"{string.Join(", ", batch.Select(b => b.Service))} on {batch[0].Host}: {e.Message}", e) { Service = batch[0].Service, Host = e.Host ?? batch[0].Host, Path = e.Path };
            }
            finally
            {
                slots.Release();
            }
        }

        /// <summary>Step <paramref name="s"/> after its placement: its hook, then, once the settle watch passed, done and journaled.</summary>
        private async Task CompleteAsync(LifecycleStep s, Task watch)
        {
            try
            {
                if (!placed[s.Key].Task.IsCompleted)
                {
                    if (context.Rendered[s.Key].Hooks.ContainsKey(HookKind.Ready))
                    {
                        // With a readiness probe the hook runs once the service is ready (a database's init needs it
                        // to answer), as in a run one wave at a time; its dependents still wait only for the hook.
                        await watch.WaitAsync(stop.Token).ConfigureAwait(false);
                    }

                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    try
                    {
                        await WaveStep.RunPlacedHookAsync(context, s, stop.Token).ConfigureAwait(false);
                    }
                    catch (DeployException)
                    {
                        // A hook that failed because the service exited: the exit is the failure to report.
                        if (await CrashedAsync(watch).ConfigureAwait(false) is { } crash)
                        {
                            throw crash;
                        }

                        throw;
                    }
                    finally
                    {
                        slots.Release();
                    }

                    placed[s.Key].TrySetResult();
                }

                await watch.WaitAsync(stop.Token).ConfigureAwait(false);
                context.Done[s.Key] = true;
                context.Report(LifecycleEventKind.StepCompleted, s, "done");
                await context.CheckpointAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail([s], e);
            }
        }

        /// <summary>The settle watch's failure, once it ended; <c>null</c> when it passed or the run stops.</summary>
        private async Task<Exception?> CrashedAsync(Task watch)
        {
            try
            {
                await watch.WaitAsync(stop.Token).ConfigureAwait(false);
                return null;
            }
            catch (DeployException e)
            {
                return e;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        private void Fail(IReadOnlyList<LifecycleStep> steps, Exception e)
        {
            if (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                failures.Enqueue(e is DeployException d ? WaveStep.Named(d, steps[0]) : e);
            }

            foreach (var s in steps)
            {
                placed[s.Key].TrySetCanceled(stop.Token);
            }

            stop.Cancel();
        }
    }
}
