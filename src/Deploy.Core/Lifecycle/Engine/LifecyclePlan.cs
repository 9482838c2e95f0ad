using System.Globalization;
using System.Text;
using System.Text.Json;
using Deploy.Core.Operations.Journaling;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>What a lifecycle operation does (the laipvt verbs).</summary>
public enum LifecycleOperation
{
    /// <summary><c>install</c>: place services that are not installed (or installed with other content).</summary>
    Install,
    /// <summary><c>upgrade</c>: touch only services whose content digest changed.</summary>
    Upgrade,
    /// <summary><c>delete</c>: remove services in reverse dependency order.</summary>
    Delete,
    /// <summary><c>rollback [revision]</c>: bring back the versions, configs and services of an earlier release (given its package).</summary>
    Rollback,
    /// <summary><c>schedule apply</c>: move installed services to the hosts of a new schedule (install on the new
    /// hosts, test there, then remove from the old ones); the package must be the installed one.</summary>
    Schedule,
    /// <summary><c>component --action configmap</c>: re-render the services' configs (three-way merge with the edits on
    /// the targets, conflicts at plan time) and restart them; the package must be the installed one.</summary>
    Configure,
    /// <summary><c>component --action restart</c>: restart the services' processes; nothing else changes.</summary>
    Restart,
}

/// <summary>What one step does to one service on one host.</summary>
public enum LifecycleAction
{
    /// <summary>Nothing: the service is already as wanted (listed so the plan says why).</summary>
    Keep,
    /// <summary>Place the service's component and configs, start it, run its install hook.</summary>
    Install,
    /// <summary>Replace the service's component and configs, restart it, run its upgrade hook.</summary>
    Upgrade,
    /// <summary>Run its delete hook, stop it and remove its files.</summary>
    Remove,
    /// <summary>Run its test hook where it was just placed; a failure fails (and rolls back) the operation.</summary>
    Verify,
    /// <summary>Write its re-rendered (merged) configs and restart it.</summary>
    Configure,
    /// <summary>Restart its processes.</summary>
    Restart,
}

/// <summary>One step of a plan: a service on a host, what happens and why.</summary>
/// <param name="Service">The service (folder name).</param>
/// <param name="Host">The host (inventory name) or node.</param>
/// <param name="Action">What happens.</param>
/// <param name="Reason">Why.</param>
public sealed record LifecycleStep(string Service, string Host, LifecycleAction Action, string Reason)
{
    /// <summary>The service version the step installs (or removes).</summary>
    public string Version { get; init; } = "";

    /// <summary>The service content digest the step installs (or removes).</summary>
    public string Digest { get; init; } = "";

    /// <summary>The step's key in the journal: <c>service@host</c> (<c>service@host#verify</c> for a <see cref="LifecycleAction.Verify"/>).</summary>
    public string Key => Service + "@" + Host + (Action == LifecycleAction.Verify ? "#verify" : "");
}

/// <summary>Steps that may run in parallel: no service of a wave depends on another of the same wave.</summary>
/// <param name="Number">1-based.</param>
/// <param name="Steps">The steps, in service then host order.</param>
public sealed record LifecycleWave(int Number, IReadOnlyList<LifecycleStep> Steps);

/// <summary>
/// A lifecycle operation's plan (its dry run): every service on every host with what happens and why, in
/// dependency waves. Made by the pure <see cref="LifecyclePlanner"/>; JSON-serialisable (<see cref="ToJson"/>) and
/// journaled as is, so an interrupted run is resumed with the very same plan.
/// </summary>
/// <param name="Product">The product name.</param>
/// <param name="Version">The product version being applied.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Waves">The waves, in execution order (reverse dependency order for a delete).</param>
public sealed record LifecyclePlan(string Product, string Version, LifecycleOperation Operation, IReadOnlyList<LifecycleWave> Waves)
{
    /// <summary>How many steps of a wave run at once. <value>The default is 1 (sequential).</value></summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Whether the services' test hooks run after the waves and gate the operation.</summary>
    public bool AutoTest { get; init; }

    /// <summary>The release this plan was made against (its number), or <c>null</c> when nothing is installed.</summary>
    public int? BaseRelease { get; init; }

    /// <summary>Config files whose live content will be replaced by a three-way merge (host, path, what happens).</summary>
    public IReadOnlyList<ConfigChange> Configs { get; init; } = [];

    /// <summary>Every step, wave by wave.</summary>
    public IReadOnlyList<LifecycleStep> Steps => Waves.SelectMany(w => w.Steps).ToList();

    /// <summary>The steps that change something (not <see cref="LifecycleAction.Keep"/>).</summary>
    public IReadOnlyList<LifecycleStep> Changes => Steps.Where(s => s.Action != LifecycleAction.Keep).ToList();

    /// <summary>Whether the plan changes nothing.</summary>
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>The plan as JSON (the operations' one JSON format).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, OperationJson.Options);

    /// <summary>Reads a plan written by <see cref="ToJson"/>.</summary>
    public static LifecyclePlan FromJson(string json) =>
        JsonSerializer.Deserialize<LifecyclePlan>(json, OperationJson.Options) ?? throw new Errors.DeployException(Errors.DeployErrorCode.StateCorrupt, "The plan JSON is empty.");

    /// <summary>The plan as text, one line per step with its reason.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Operation.ToString().ToLowerInvariant()} {Product} {Version}: {Changes.Count} change(s), parallel {Parallel}{(AutoTest ? ", auto-test" : "")}\n");
        foreach (var w in Waves)
        {
            sb.Append(CultureInfo.InvariantCulture, $"wave {w.Number}:\n");
            foreach (var s in w.Steps)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {s.Action.ToString().ToLowerInvariant(),-8} {s.Service} on {s.Host}: {s.Reason}\n");
            }
        }

        foreach (var c in Configs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"config {c.Path} on {c.Host}: {c.Reason}\n");
        }

        return sb.ToString();
    }
}

/// <summary>A config file an upgrade writes, and how its content was decided.</summary>
/// <param name="Service">The service.</param>
/// <param name="Host">The host.</param>
/// <param name="Path">The file on the target.</param>
/// <param name="Reason">E.g. <c>package change merged with an edit on the target</c>.</param>
public sealed record ConfigChange(string Service, string Host, string Path, string Reason);
