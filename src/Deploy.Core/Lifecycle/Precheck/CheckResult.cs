using System.Text;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>Every outcome of a precheck, by host (ordinal) and check order. <see cref="Blocking"/> says whether install may go on.</summary>
/// <param name="Product">The product name.</param>
/// <param name="Outcomes">The outcomes.</param>
public sealed record CheckResult(string Product, IReadOnlyList<CheckOutcome> Outcomes)
{
    /// <summary>Whether a strict check failed (install is blocked).</summary>
    public bool Blocking => Outcomes.Any(o => o.Status == CheckStatus.Fail);

    /// <summary>The failures.</summary>
    public IReadOnlyList<CheckOutcome> Failures => Outcomes.Where(o => o.Status == CheckStatus.Fail).ToList();

    /// <summary>The warnings.</summary>
    public IReadOnlyList<CheckOutcome> Warnings => Outcomes.Where(o => o.Status == CheckStatus.Warn).ToList();

    /// <summary>The schedule the checks were made against.</summary>
    public Schedule? Schedule { get; init; }

    /// <summary>Throws <see cref="Errors.DeployErrorCode.PrecheckFailed"/> listing every failure when a strict check failed
    /// (<see cref="Errors.DeployException.Host"/> is the first failing host, <see cref="Errors.DeployException.Path"/> its check).</summary>
    public CheckResult ThrowOnFailure() => Blocking
        ? throw new Errors.DeployException(Errors.DeployErrorCode.PrecheckFailed, $"Precheck failed on {Failures.Select(f => f.Host).Distinct().Count()} host(s):\n" + string.Join("\n", Failures.Select(f => $"  {f.Host}: {f.Check}: {f.Message}"))) { Host = Failures[0].Host, Path = Failures[0].Check }
        : this;

    /// <summary>The <c>check_result.yaml</c> text: byte-identical for identical outcomes.</summary>
    public string ToYaml()
    {
        var sb = new StringBuilder();
        sb.Append("product: ").Append(ScheduleYaml.Scalar(Product)).Append('\n');
        sb.Append("result: ").Append(Blocking ? "fail" : Warnings.Count > 0 ? "warn" : "pass").Append('\n');
        sb.Append("hosts:").Append(Outcomes.Count == 0 ? " {}\n" : "\n");
        foreach (var host in Outcomes.GroupBy(o => o.Host).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append("  ").Append(ScheduleYaml.Scalar(host.Key)).Append(":\n");
            foreach (var o in host.OrderBy(o => IndexOf(o.Check)).ThenBy(o => o.Check, StringComparer.Ordinal))
            {
                sb.Append("    ").Append(ScheduleYaml.Scalar(o.Check)).Append(": { status: ").Append(o.Status.ToString().ToLowerInvariant())
                    .Append(", message: ").Append(Quote(o.Message)).Append(" }\n");
            }
        }

        return sb.ToString();
    }

    private static int IndexOf(string check) => CheckNames.All.IndexOf(check) is var i and >= 0 ? i : int.MaxValue;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}

internal static class ListExtensions
{
    public static int IndexOf(this IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }

        return -1;
    }
}
