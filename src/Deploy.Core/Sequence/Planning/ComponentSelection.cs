using Deploy.Core.Errors;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Planning;

/// <summary>
/// A selective apply (<see cref="PlanOptions.Components"/>): the planner sees only the selected components, and
/// the plan's new state keeps every other component's record as it was.
/// </summary>
internal sealed class ComponentSelection
{
    private readonly HashSet<string> _names;
    private readonly bool _targetLevel;

    private ComponentSelection(HashSet<string> names, bool targetLevel)
    {
        _names = names;
        _targetLevel = targetLevel;
    }

    /// <summary>Validates <paramref name="names"/> and widens them to the components an interrupted apply was changing.</summary>
    public static ComponentSelection Create(DesiredTarget desired, TargetState? recorded, IReadOnlyList<string> names, ApplyRecord? interrupted)
    {
        if (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, "A component selection names at least one component and no empty name; omit the selection to apply every component.");
        }

        var defined = desired.Components.Select(c => c.Definition.Name).ToList();
        var known = defined.Concat((recorded?.Components ?? []).Select(c => c.Name)).ToHashSet(StringComparer.Ordinal);
        var unknown = names.Where(n => !known.Contains(n)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new DeployException(DeployErrorCode.ComponentUnknown, $"Target {desired.Definition.Name} has no component {string.Join(", ", unknown)}; it defines {(defined.Count == 0 ? "none" : string.Join(", ", defined))}{(known.Count > defined.Count ? " and records " + string.Join(", ", known.Except(defined)) : "")}.")
            {
                Path = "components",
            };
        }

        var set = names.ToHashSet(StringComparer.Ordinal);
        foreach (var d in interrupted?.Decisions ?? [])
        {
            if (d.Action != ComponentAction.None)
            {
                set.Add(d.Component);
            }
        }

        // Target-level files and configuration are the target's, not a component's: a selection applies them only
        // where nothing is recorded yet, or where an interrupted apply may have changed them halfway.
        return new ComponentSelection(set, recorded is null || interrupted is not null);
    }

    /// <summary>Whether <paramref name="component"/> is selected.</summary>
    public bool Contains(string component) => _names.Contains(component);

    /// <summary>The desired target and recorded state the planner sees: selected components only.</summary>
    public (DesiredTarget Desired, TargetState? Recorded) Restrict(DesiredTarget desired, TargetState? recorded)
    {
        var d = desired with { Components = desired.Components.Where(c => Contains(c.Definition.Name)).ToList() };
        if (recorded is null)
        {
            return (d, null);
        }

        var r = recorded with { Components = recorded.Components.Where(c => Contains(c.Name)).ToList() };
        if (!_targetLevel)
        {
            // Present the target level as up to date, so neither its files nor its configuration move.
            r = r with
            {
                ConfigurationHashes = desired.ConfigurationHashes,
                Files = desired.Files.Select(f => new RecordedFile(f.Entry, f.ChangeEvent)).ToList(),
            };
        }

        return (d, r);
    }

    /// <summary>The plan with its new state completed by the unselected components' records, unchanged.</summary>
    public Plan Complete(Plan plan, DesiredTarget desired, TargetState? recorded)
    {
        var planned = plan.NewState.Components.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var kept = (recorded?.Components ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var components = new List<ComponentState>();
        foreach (var name in desired.Components.Select(c => c.Definition.Name))
        {
            if (Contains(name) ? planned.TryGetValue(name, out var c) : kept.TryGetValue(name, out c))
            {
                components.Add(c);
            }
        }

        var defined = desired.Components.Select(c => c.Definition.Name).ToHashSet(StringComparer.Ordinal);
        components.AddRange((recorded?.Components ?? []).Where(c => !defined.Contains(c.Name) && !Contains(c.Name)));
        var state = plan.NewState with { Components = components };
        if (!_targetLevel && recorded is not null)
        {
            state = state with { Files = recorded.Files, ConfigurationHashes = recorded.ConfigurationHashes };
        }

        var skipped = desired.Components.Select(c => c.Definition.Name).Concat(kept.Keys.Where(k => !defined.Contains(k)))
            .Where(n => !Contains(n))
            .Select(n => new ComponentDecision(n, ComponentAction.None, ["not selected: left as it is"]));
        return plan with { NewState = state, Decisions = plan.Decisions.Concat(skipped).ToList() };
    }
}
