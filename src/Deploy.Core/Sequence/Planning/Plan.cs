using System.Globalization;
using System.Text.Json;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Planning;

/// <summary>
/// What an apply will do, as a value: made by <see cref="SequencePlanner.Plan"/> (pure), printable as a dry run
/// (<see cref="ToText"/>), serializable (<see cref="ToJson"/>, <see cref="FromJson"/>; the journal stores it).
/// </summary>
public sealed record Plan
{
    /// <summary>The target's name.</summary>
    public required string Target { get; init; }

    /// <summary>The steps, in order. Empty when nothing changed.</summary>
    public required IReadOnlyList<PlanStep> Steps { get; init; }

    /// <summary>Per component, what happens and why.</summary>
    public required IReadOnlyList<ComponentDecision> Decisions { get; init; }

    /// <summary>Why the whole target restarts, when it does (initial start, configuration change, RestartEvent=Target).</summary>
    public IReadOnlyList<string> TargetRestartReasons { get; init; } = [];

    /// <summary>The state recorded when the plan completes.</summary>
    public required TargetState NewState { get; init; }

    /// <summary>
    /// A pending interrupted apply found on the target (its journal), and what this plan does about it;
    /// <value><c>null</c> when there is none</value>.
    /// </summary>
    public string? Pending { get; init; }

    /// <summary>
    /// Leading steps an interrupted apply already completed: an apply of this plan resumes after them.
    /// <value>The default is 0</value>.
    /// </summary>
    public int CompletedSteps { get; init; }

    /// <summary>Whether there is nothing to do.</summary>
    public bool IsEmpty => Steps.Count == 0;

    /// <summary>Files the plan transfers.</summary>
    public int FilesToTransfer => Steps.Where(s => s.Kind == StepKind.TransferFiles).Sum(s => s.Files!.Count);

    /// <summary>Bytes the plan transfers.</summary>
    public long BytesToTransfer => Steps.Where(s => s.Kind == StepKind.TransferFiles).Sum(s => s.Files!.Sum(f => f.Size));

    /// <summary>The service actions in order, e.g. <c>stop Types runtime#0</c>, <c>run Types startup#0</c>.</summary>
    public IReadOnlyList<string> ServiceActions => Steps
        .Where(s => s.Kind is StepKind.StopService or StepKind.RunService or StepKind.StartService or StepKind.WaitStartupTimeout)
        .Select(s => s.Describe())
        .ToList();

    /// <summary>The dry run: decisions with reasons, then numbered steps with reasons.</summary>
    public string ToText(bool listFiles = false)
    {
        var sb = new StringBuilder();
        if (Pending is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Target {Target}: pending: {Pending}").AppendLine();
        }

        if (IsEmpty)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Target {Target}: up to date, nothing to do.").AppendLine();
            return sb.ToString();
        }

        sb.Append(CultureInfo.InvariantCulture, $"Target {Target}: {Steps.Count} steps, {FilesToTransfer} files ({BytesToTransfer} bytes) to transfer").AppendLine();
        foreach (var r in TargetRestartReasons)
        {
            sb.Append("  target restart: ").AppendLine(r);
        }

        foreach (var d in Decisions.Where(d => d.Action != ComponentAction.None || d.Reasons.Count > 0))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {d.Component}: {d.Action}").AppendLine();
            foreach (var r in d.Reasons.Take(20))
            {
                sb.Append("      because ").AppendLine(r);
            }

            if (d.Reasons.Count > 20)
            {
                sb.Append(CultureInfo.InvariantCulture, $"      ... and {d.Reasons.Count - 20} more").AppendLine();
            }
        }

        foreach (var s in Steps)
        {
            var done = s.Index < CompletedSteps ? " (done)" : "";
            sb.Append(CultureInfo.InvariantCulture, $"  {s.Index + 1,3}. {s.Describe()}{done}  -- {s.Reason}").AppendLine();
            if (listFiles && s.Files is not null)
            {
                foreach (var f in s.Files)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"         {f.TargetPath}: {f.Reason}").AppendLine();
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>The plan as JSON.</summary>
    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, indented ? StateJson.Indented : StateJson.Options);

    /// <summary>Reads a plan written by <see cref="ToJson"/>; throws <see cref="DeployErrorCode.StateCorrupt"/> when malformed.</summary>
    public static Plan FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Plan>(json, StateJson.Options) ?? throw new JsonException("null plan");
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The plan JSON is malformed: {e.Message}", e);
        }
    }
}
