using Deploy.Core.Fleet;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Precheck;

/// <summary>
/// Runs precheck on every host of a fleet in parallel (the fleet's own bounded fan-out): collect facts in one round
/// trip per host, then analyze them against what the schedule places there. Writes nothing; see
/// <see cref="WriteFilesAsync"/> for <c>check_result.yaml</c> and <c>scheduled.yaml</c>.
/// </summary>
/// <param name="options">Check severities and limits; <c>null</c> for the defaults.</param>
/// <param name="timeProvider">The controller's clock (for clock skew); <c>null</c> for the system clock.</param>
public sealed class PrecheckRunner(PrecheckOptions? options = null, TimeProvider? timeProvider = null)
{
    /// <summary>The check result file name.</summary>
    public const string CheckResultFile = "check_result.yaml";

    /// <summary>The schedule file name.</summary>
    public const string ScheduleFile = "scheduled.yaml";

    private readonly PrecheckOptions _options = options ?? new PrecheckOptions();

    /// <summary>Checks every host of <paramref name="fleet"/> (named as in the schedule's inventory) against <paramref name="schedule"/>.
    /// A host the schedule uses but the fleet lacks fails <c>reachable</c>.</summary>
    public async Task<CheckResult> RunAsync(HostFleet fleet, ProductDefinition product, Schedule schedule, IProgress<CheckOutcome>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(schedule);
        var run = await fleet.RunAsync<IReadOnlyList<CheckOutcome>>(async (host, context, ct) =>
        {
            var needs = PrecheckAnalyzer.Requirements(product, schedule, context.Name);
            var facts = await FactCollector.CollectAsync(host, context.Name, needs.Disk.Keys.ToList(), needs.Commands.Keys.ToList(), timeProvider, ct).ConfigureAwait(false);
            var outcomes = PrecheckAnalyzer.Analyze(facts, needs, _options);
            foreach (var o in outcomes)
            {
                progress?.Report(o);
            }

            return outcomes;
        }, null, cancellationToken).ConfigureAwait(false);

        var outcomes = new List<CheckOutcome>();
        foreach (var h in run.Hosts)
        {
            outcomes.AddRange(h.Value ?? [new CheckOutcome(h.Name, CheckNames.Reachable, CheckStatus.Fail, $"the check did not run: {h.Error?.Message ?? h.Status.ToString()}")]);
        }

        foreach (var missing in schedule.Hosts.Where(n => run.Hosts.All(h => h.Name != n)))
        {
            outcomes.Add(new CheckOutcome(missing, CheckNames.Reachable, CheckStatus.Fail, "the schedule places services on this host but it is not among the hosts checked."));
        }

        return new CheckResult(product.Name, outcomes.OrderBy(o => o.Host, StringComparer.Ordinal).ToList()) { Schedule = schedule };
    }

    /// <summary>Writes <c>check_result.yaml</c> and (when the result has one) <c>scheduled.yaml</c> into
    /// <paramref name="directory"/>, each atomically (temp file, flush, rename).</summary>
    public static async Task WriteFilesAsync(string directory, CheckResult result, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        await WriteAtomicAsync(Path.Combine(directory, CheckResultFile), result.ToYaml(), cancellationToken).ConfigureAwait(false);
        if (result.Schedule is { } schedule)
        {
            await WriteAtomicAsync(Path.Combine(directory, ScheduleFile), ScheduleYaml.Write(schedule), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteAtomicAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
