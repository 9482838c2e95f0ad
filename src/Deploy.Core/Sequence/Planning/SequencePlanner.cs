using System.Globalization;
using Deploy.Core.Sequence.Drift;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.Planning;

/// <summary>
/// The deployment-sequence planner: a pure function from the desired target and the recorded state to a
/// <see cref="Plan"/>. It implements the exOS rules:
/// <list type="bullet">
/// <item>files are compared by size and full-precision mtime (or SHA-256 in checksum mode); changed files go in one transfer;</item>
/// <item>a changed file restarts or reinstalls its component per its <see cref="ChangeEvent"/>;</item>
/// <item>only runtime services changed: stop all previous services, run current startup, start current runtime;</item>
/// <item>remove services changed: only those service definitions are recreated;</item>
/// <item>install or startup services changed or added: stop previous, run previous remove, current install, startup, runtime;</item>
/// <item>a restarting <see cref="RestartEvent.Target"/> component, a target-configuration change, a target-file change or an
/// initial start restart every component except <see cref="RestartEvent.Ignore"/> ones;</item>
/// <item>after a target restart the other components' runtime services start after the StartupTimeout.</item>
/// </list>
/// Step order: stops (target-restarting components first, then the others in reverse dependency order), previous
/// remove services, the transfer, file deletions, service definitions, install services, startup services
/// (target-restarting components first), runtime services of target-restarting components, the StartupTimeout wait,
/// the other runtime services, and the state record.
/// </summary>
public static class SequencePlanner
{
    /// <summary>Plans the apply of <paramref name="desired"/> onto a target whose state is <paramref name="recorded"/> (<c>null</c>: nothing deployed).</summary>
    public static Plan Plan(DesiredTarget desired, TargetState? recorded, PlanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(desired);
        options ??= new PlanOptions();
        var interrupted = options.Interrupted;
        var drift = options.Drift is { IsEmpty: false } d0 ? d0 : null;
        var selection = options.Components is { } names ? ComponentSelection.Create(desired, recorded, names, interrupted) : null;
        if (selection is null)
        {
            return PlanCore(desired, recorded, options, drift);
        }

        var (selectedDesired, selectedRecorded) = selection.Restrict(desired, recorded);
        return selection.Complete(PlanCore(selectedDesired, selectedRecorded, options, drift), desired, recorded);
    }

    private static Plan PlanCore(DesiredTarget desired, TargetState? recorded, PlanOptions options, TargetDrift? drift)
    {
        var interrupted = options.Interrupted;
        if (drift is not null && recorded is not null)
        {
            recorded = drift.ApplyTo(recorded);
        }

        if (interrupted is not null && recorded is not null)
        {
            recorded = ForgetTransferred(recorded, interrupted);
        }

        var mode = desired.Definition.CompareMode;
        var recordedByName = (recorded?.Components ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var stateChanged = recorded is null;
        var transfers = new List<PlannedFile>();
        var deletions = new List<string>();
        var targetReasons = new List<string>();

        if (options.InitialStart)
        {
            targetReasons.Add("initial start of the target");
        }

        if (interrupted is not null)
        {
            stateChanged = true;
            if (interrupted.TargetRestartReasons.Count > 0)
            {
                targetReasons.Add("completing an interrupted target restart");
            }
        }

        // Target configuration and target files.
        if (recorded is not null)
        {
            var changedKeys = desired.ConfigurationHashes.Keys.Union(recorded.ConfigurationHashes.Keys, StringComparer.Ordinal)
                .Where(k => desired.ConfigurationHashes.GetValueOrDefault(k) != recorded.ConfigurationHashes.GetValueOrDefault(k))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (changedKeys.Count > 0)
            {
                stateChanged = true;
                targetReasons.Add($"target configuration changed ({string.Join(", ", changedKeys)})");
            }
        }

        var targetDiff = Diff(desired.Files, recorded?.Files ?? [], mode);
        var targetByPath = ByPath(desired.Files);
        foreach (var change in targetDiff.Changes)
        {
            AddFileChange(change, targetByPath, transfers, deletions, drift);
            if (recorded is not null)
            {
                targetReasons.Add("target file " + FileReason(change, null, drift));
            }
        }

        // Components: own changes.
        var decisions = new List<Decision>();
        foreach (var dc in desired.Components)
        {
            var c = dc.Definition;
            var d = new Decision(c.Name, c, recordedByName.GetValueOrDefault(c.Name));
            decisions.Add(d);
            var recordedFiles = d.Recorded?.Files ?? [];
            var diff = Diff(dc.Files, recordedFiles, mode);
            var desiredByPath = diff.IsEmpty ? null : ByPath(dc.Files);
            var recordedByPath = diff.IsEmpty ? null : recordedFiles.ToDictionary(f => f.Entry.Path, f => f.ChangeEvent, StringComparer.Ordinal);
            foreach (var change in diff.Changes)
            {
                AddFileChange(change, desiredByPath!, transfers, deletions, drift);
                var ce = change.Kind == FileChangeKind.Removed
                    ? recordedByPath![change.Path]
                    : desiredByPath![change.Path].ChangeEvent;
                d.RaiseForFile(ce switch { ChangeEvent.Reinstall => ComponentAction.Reinstall, ChangeEvent.Restart => ComponentAction.Restart, _ => ComponentAction.Update }, change, ce, drift);
            }

            var interruptedDecision = interrupted?.Decisions.FirstOrDefault(x => x.Component == c.Name);
            var forced = interruptedDecision?.Action;
            if (forced is ComponentAction.Restart or ComponentAction.Reinstall || (forced == ComponentAction.Install && d.Recorded is not null))
            {
                // A component the last apply could not complete (a service failed or crashed) says why.
                var failed = interruptedDecision!.Reasons.FirstOrDefault(r => r.StartsWith("failed: ", StringComparison.Ordinal));
                d.Raise(forced == ComponentAction.Restart ? ComponentAction.Restart : ComponentAction.Reinstall, $"completing an interrupted {forced.Value.ToString().ToLowerInvariant()}{(failed is null ? "" : $" ({failed})")}");
            }

            if (d.Recorded is null)
            {
                d.Raise(ComponentAction.Install, recorded is null ? "first deploy: no state on the target" : "new component");
                continue;
            }

            var r = d.Recorded;
            if (!SameServices(c, r, ServiceKind.Install))
            {
                d.Raise(ComponentAction.Reinstall, ServiceReason(c, r, ServiceKind.Install));
            }

            if (!SameServices(c, r, ServiceKind.Startup))
            {
                d.Raise(ComponentAction.Reinstall, ServiceReason(c, r, ServiceKind.Startup));
            }

            if (!SameServices(c, r, ServiceKind.Runtime))
            {
                d.Raise(ComponentAction.Restart, ServiceReason(c, r, ServiceKind.Runtime));
            }

            if (!SameServices(c, r, ServiceKind.Remove))
            {
                d.Raise(ComponentAction.RecreateRemoveServices, ServiceReason(c, r, ServiceKind.Remove));
            }

            var settings = SettingsChanges(c, r, dc.Files);
            if (settings.Count > 0)
            {
                stateChanged = true;
                d.Reasons.Add("settings changed (" + string.Join(", ", settings) + "); recorded only");
            }
        }

        // Components no longer defined.
        var desiredNames = desired.Components.Select(c => c.Definition.Name).ToHashSet(StringComparer.Ordinal);
        var removed = (recorded?.Components ?? []).Where(r => !desiredNames.Contains(r.Name)).ToList();
        foreach (var r in removed)
        {
            var d = new Decision(r.Name, null, r);
            d.Raise(ComponentAction.Remove, "component no longer defined");
            decisions.Add(d);
            deletions.AddRange(r.Files.Select(f => f.Entry.Path));
        }

        // Target-wide restart.
        var primary = decisions.Where(d => d.Desired?.RestartEvent == RestartEvent.Target && d.Restarts).ToList();
        foreach (var p in primary)
        {
            targetReasons.Add($"{p.Name} restarts with RestartEvent=Target");
        }

        if (targetReasons.Count > 0)
        {
            foreach (var d in decisions.Where(d => d.Desired is not null && d.Desired.RestartEvent != RestartEvent.Ignore && !d.Restarts && !primary.Contains(d)))
            {
                d.Raise(ComponentAction.Restart, "target restart: " + string.Join("; ", targetReasons));
            }

            // Every restarting RestartEvent=Target component leads the restart, whatever started it.
            primary = decisions.Where(d => d.Desired?.RestartEvent == RestartEvent.Target && d.Restarts).ToList();
        }

        var steps = BuildSteps(decisions, primary, removed, transfers, deletions);
        if (steps.Count > 0 || stateChanged)
        {
            steps.Add(new PlanStep(steps.Count, StepKind.CommitState, "record the deployed files, services and configuration"));
        }

        return new Plan
        {
            Target = desired.Definition.Name,
            Steps = steps,
            Decisions = decisions.Select(d => new ComponentDecision(d.Name, d.Action, d.AllReasons())).ToList(),
            TargetRestartReasons = targetReasons,
            NewState = BuildState(desired),
        };
    }

    private static List<PlanStep> BuildSteps(List<Decision> decisions, List<Decision> primary, List<ComponentState> removed, List<PlannedFile> transfers, List<string> deletions)
    {
        var steps = new List<PlanStep>();
        void Add(StepKind kind, string reason, string? component = null, Service? service = null, int index = 0, ErrorHandling eh = ErrorHandling.Stop)
            => steps.Add(new PlanStep(steps.Count, kind, reason) { Component = component, Service = service, ServiceIndex = index, ErrorHandling = eh });

        var ordered = decisions.Where(d => d.Desired is not null).ToList(); // dependency order
        var secondary = ordered.Where(d => !primary.Contains(d)).ToList();
        var removedDecisions = decisions.Where(d => d.Desired is null).Reverse().ToList(); // reverse start order

        // 1. Stop all previously configured runtime services of every stopping component.
        var stopping = primary.AsEnumerable().Reverse()
            .Concat(secondary.AsEnumerable().Reverse())
            .Concat(removedDecisions)
            .Where(d => d.Recorded is not null && d.Action is ComponentAction.Restart or ComponentAction.Reinstall or ComponentAction.Remove);
        foreach (var d in stopping)
        {
            var runtime = Of(d.Recorded!.Services, ServiceKind.Runtime);
            for (var i = runtime.Count - 1; i >= 0; i--)
            {
                Add(StepKind.StopService, d.Why(), d.Name, runtime[i], i, d.Recorded.ErrorHandling);
            }
        }

        // 2. Previously configured remove services of reinstalled and removed components.
        foreach (var d in ordered.AsEnumerable().Reverse().Concat(removedDecisions).Where(d => d.Recorded is not null && d.Action is ComponentAction.Reinstall or ComponentAction.Remove))
        {
            var remove = Of(d.Recorded!.Services, ServiceKind.Remove);
            for (var i = 0; i < remove.Count; i++)
            {
                Add(StepKind.RunService, d.Why(), d.Name, remove[i], i, d.Recorded.ErrorHandling);
            }
        }

        // 3. One bulk transfer; 4. deletions.
        if (transfers.Count > 0)
        {
            var sample = string.Join("; ", transfers.Take(3).Select(f => f.TargetPath + " " + f.Reason));
            steps.Add(new PlanStep(steps.Count, StepKind.TransferFiles, string.Create(CultureInfo.InvariantCulture, $"{transfers.Count} changed files: {sample}{(transfers.Count > 3 ? "; ..." : "")}")) { Files = transfers });
        }

        if (deletions.Count > 0)
        {
            steps.Add(new PlanStep(steps.Count, StepKind.DeleteFiles, string.Create(CultureInfo.InvariantCulture, $"{deletions.Count} files no longer deployed")) { Paths = deletions });
        }

        // 5. Service definitions: delete the ones that changed or went away, create the new ones.
        foreach (var d in ordered.Concat(removedDecisions))
        {
            foreach (ServiceKind kind in Enum.GetValues(typeof(ServiceKind)))
            {
                var old = d.Recorded is null ? [] : Of(d.Recorded.Services, kind);
                var now = d.Desired is null ? [] : Of(d.Desired.Services, kind);
                for (var i = 0; i < Math.Max(old.Count, now.Count); i++)
                {
                    var o = i < old.Count ? old[i] : null;
                    var n = i < now.Count ? now[i] : null;
                    if (o == n)
                    {
                        continue;
                    }

                    if (o is not null)
                    {
                        Add(StepKind.DeleteService, d.Desired is null ? "component no longer defined" : $"{kind} services changed", d.Name, o, i);
                    }

                    if (n is not null)
                    {
                        Add(StepKind.CreateService, d.Recorded is null ? d.Why() : $"{kind} services changed", d.Name, n, i);
                    }
                }
            }
        }

        // 6. Current install services.
        foreach (var d in ordered.Where(d => d.Action is ComponentAction.Reinstall or ComponentAction.Install))
        {
            RunAll(d, ServiceKind.Install, StepKind.RunService);
        }

        // 7. Current startup services: target-restarting components first.
        foreach (var d in primary.Concat(secondary).Where(d => d.Restarts))
        {
            RunAll(d, ServiceKind.Startup, StepKind.RunService);
        }

        // 8. Runtime services of target-restarting components; 9. StartupTimeout; 10. the others.
        foreach (var d in primary)
        {
            RunAll(d, ServiceKind.Runtime, StepKind.StartService);
        }

        var later = secondary.Where(d => d.Restarts).ToList();
        var timeout = primary.Count == 0 ? TimeSpan.Zero : primary.Max(p => p.Desired!.StartupTimeout);
        if (timeout > TimeSpan.Zero && later.Any(d => d.Desired!.Services.Any(s => s.Kind == ServiceKind.Runtime)))
        {
            steps.Add(new PlanStep(steps.Count, StepKind.WaitStartupTimeout, $"StartupTimeout of {string.Join(", ", primary.Select(p => p.Name))} before the other components' runtime services start")
            {
                DelayMs = (long)timeout.TotalMilliseconds,
            });
        }

        foreach (var d in later)
        {
            RunAll(d, ServiceKind.Runtime, StepKind.StartService);
        }

        return steps;

        void RunAll(Decision d, ServiceKind kind, StepKind step)
        {
            var services = Of(d.Desired!.Services, kind);
            for (var i = 0; i < services.Count; i++)
            {
                Add(step, d.Why(), d.Name, services[i], i, d.Desired.ErrorHandling);
            }
        }
    }

    private static TargetState ForgetTransferred(TargetState recorded, ApplyRecord interrupted)
    {
        var sent = interrupted.TransferredPaths.ToHashSet(StringComparer.Ordinal);
        if (sent.Count == 0)
        {
            return recorded;
        }

        // What the target holds at those paths is unknown (old or new): forget it, so the file is sent again.
        return recorded with
        {
            Files = recorded.Files.Where(f => !sent.Contains(f.Entry.Path)).ToList(),
            Components = recorded.Components.Select(c => c with { Files = c.Files.Where(f => !sent.Contains(f.Entry.Path)).ToList() }).ToList(),
        };
    }

    private static TargetState BuildState(DesiredTarget desired) => new()
    {
        Target = desired.Definition.Name,
        ConfigurationHashes = desired.ConfigurationHashes,
        Files = desired.Files.Select(f => new RecordedFile(f.Entry, f.ChangeEvent)).ToList(),
        Components = desired.Components.Select(dc => new ComponentState
        {
            Name = dc.Definition.Name,
            RestartEvent = dc.Definition.RestartEvent,
            StartupTimeoutMs = (long)dc.Definition.StartupTimeout.TotalMilliseconds,
            ErrorHandling = dc.Definition.ErrorHandling,
            DependsOn = dc.Definition.DependsOn,
            Services = dc.Definition.Services,
            Files = dc.Files.Select(f => new RecordedFile(f.Entry, f.ChangeEvent)).ToList(),
        }).ToList(),
    };

    private static ManifestDiff Diff(IReadOnlyList<DesiredFile> desired, IReadOnlyList<RecordedFile> recorded, CompareMode mode)
        => ManifestDiff.Compare(desired.Select(f => f.Entry).ToArray(), recorded.Select(f => f.Entry).ToArray(), mode);

    private static Dictionary<string, DesiredFile> ByPath(IReadOnlyList<DesiredFile> files) => files.ToDictionary(f => f.Entry.Path, StringComparer.Ordinal);

    private static void AddFileChange(FileChange change, Dictionary<string, DesiredFile> desired, List<PlannedFile> transfers, List<string> deletions, TargetDrift? drift)
    {
        if (change.Kind == FileChangeKind.Removed)
        {
            deletions.Add(change.Path);
            return;
        }

        var f = desired[change.Path];
        transfers.Add(new PlannedFile(f.LocalPath, f.Entry.Path, f.Entry.Size, f.Entry.ModifiedUtcTicks, f.Entry.Mode, drift?.Find(change.Path)?.Reason ?? change.Describe()));
    }

    private static string FileReason(FileChange change, ChangeEvent? ce, TargetDrift? drift)
    {
        var what = drift?.Find(change.Path) is { } drifted && change.Kind != FileChangeKind.Removed ? $"{change.Path} {drifted.Reason}" : change.Kind switch
        {
            FileChangeKind.Added => $"{change.Path} added ({change.Describe()})",
            FileChangeKind.Removed => $"{change.Path} removed",
            _ => $"{change.Path} changed ({change.Describe()})",
        };
        return ce is null ? what : $"{what}, ChangeEvent={ce}";
    }

    private static List<Service> Of(IReadOnlyList<Service> services, ServiceKind kind) => services.Where(s => s.Kind == kind).ToList();

    private static bool SameServices(Component c, ComponentState r, ServiceKind kind) => Of(c.Services, kind).SequenceEqual(Of(r.Services, kind));

    private static string ServiceReason(Component c, ComponentState r, ServiceKind kind)
    {
        var old = Of(r.Services, kind).Count;
        var now = Of(c.Services, kind).Count;
        var verb = old == 0 ? "added" : now == 0 ? "removed" : "changed";
        return string.Create(CultureInfo.InvariantCulture, $"{kind} services {verb} ({old} -> {now})");
    }

    private static List<string> SettingsChanges(Component c, ComponentState r, IReadOnlyList<DesiredFile> files)
    {
        var list = new List<string>();
        if (c.RestartEvent != r.RestartEvent)
        {
            list.Add($"RestartEvent {r.RestartEvent} -> {c.RestartEvent}");
        }

        if ((long)c.StartupTimeout.TotalMilliseconds != r.StartupTimeoutMs)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"StartupTimeout {r.StartupTimeoutMs} ms -> {(long)c.StartupTimeout.TotalMilliseconds} ms"));
        }

        if (c.ErrorHandling != r.ErrorHandling)
        {
            list.Add($"ErrorHandling {r.ErrorHandling} -> {c.ErrorHandling}");
        }

        if (!c.DependsOn.SequenceEqual(r.DependsOn))
        {
            list.Add("dependencies");
        }

        if (files.Any(f => f.ChangeEvent != ChangeEvent.Restart) || r.Files.Any(f => f.ChangeEvent != ChangeEvent.Restart))
        {
            var recordedEvents = r.Files.ToDictionary(f => f.Entry.Path, f => f.ChangeEvent, StringComparer.Ordinal);
            if (files.Any(f => recordedEvents.TryGetValue(f.Entry.Path, out var ce) && ce != f.ChangeEvent))
            {
                list.Add("file ChangeEvent");
            }
        }

        return list;
    }

    private sealed class Decision(string name, Component? desired, ComponentState? recorded)
    {
        public string Name { get; } = name;

        public Component? Desired { get; } = desired;

        public ComponentState? Recorded { get; } = recorded;

        public ComponentAction Action { get; private set; }

        public List<string> Reasons { get; } = [];

        public bool Restarts => Action is ComponentAction.Restart or ComponentAction.Reinstall or ComponentAction.Install;

        /// <summary>File reasons listed one by one; beyond them, a count (a first deploy of 10,000 files would otherwise carry 10,000).</summary>
        private const int MaxFileReasons = 20;

        private int _fileReasons;
        private int _moreFiles;

        public void RaiseForFile(ComponentAction action, FileChange change, ChangeEvent ce, TargetDrift? drift)
        {
            if (_fileReasons < MaxFileReasons || Rank(action) > Rank(Action))
            {
                _fileReasons++;
                Raise(action, FileReason(change, ce, drift));
                return;
            }

            _moreFiles++;
        }

        public List<string> AllReasons()
        {
            var all = Reasons.ToList();
            if (_moreFiles > 0)
            {
                all.Add(string.Create(CultureInfo.InvariantCulture, $"and {_moreFiles} more changed files"));
            }

            return all;
        }

        public void Raise(ComponentAction action, string reason)
        {
            Reasons.Add(reason);
            if (Rank(action) > Rank(Action))
            {
                Action = action;
                Decisive = reason;
            }
        }

        public string Decisive { get; private set; } = "";

        public string Why() => $"{Name} {Action.ToString().ToLowerInvariant()}: {Decisive}{(Reasons.Count + _moreFiles > 1 ? $" (+{Reasons.Count + _moreFiles - 1} more)" : "")}";

        private static int Rank(ComponentAction a) => a switch
        {
            ComponentAction.None => 0,
            ComponentAction.Update => 1,
            ComponentAction.RecreateRemoveServices => 2,
            ComponentAction.Restart => 3,
            ComponentAction.Reinstall => 4,
            ComponentAction.Install => 5,
            ComponentAction.Remove => 6,
            _ => 0,
        };
    }
}
