using System.Globalization;
using System.Text;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>What <c>reset</c> wipes: each service's reset hook on each host running it (its command shown with
/// secrets redacted). <see cref="LifecycleEngine.ResetAsync"/> returns it as the dry run, or after running it.</summary>
/// <param name="Product">The product.</param>
/// <param name="Steps">One per service and host, middleware first.</param>
public sealed record ResetPlan(string Product, IReadOnlyList<ResetStep> Steps)
{
    /// <summary>The hooks' outcomes, once run (empty for a dry run).</summary>
    public IReadOnlyList<HookResult> Results { get; init; } = [];

    /// <summary>The plan as text: exactly what would be wiped.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"reset {Product}: {Steps.Count} reset hook(s) wipe data and re-run init\n");
        foreach (var s in Steps)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {s.Service} on {s.Host}: {s.Command}\n");
        }

        return sb.ToString();
    }
}

/// <summary>One reset hook.</summary>
/// <param name="Service">The service.</param>
/// <param name="Host">The host.</param>
/// <param name="Command">The rendered command, secrets redacted.</param>
public sealed record ResetStep(string Service, string Host, string Command);
