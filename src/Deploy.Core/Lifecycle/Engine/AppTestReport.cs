using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// The outcome of <c>apptest</c> (or an auto-test): every test hook run, one per service and host. Writes JUnit XML
/// (a test suite per service, a test case per host, the hook's output as system-out) and a text summary.
/// </summary>
/// <param name="Product">The product.</param>
/// <param name="Results">The test hooks run, in service then host order.</param>
public sealed record AppTestReport(string Product, IReadOnlyList<HookResult> Results)
{
    /// <summary>The JUnit file name <see cref="WriteAsync"/> uses.</summary>
    public const string JUnitFile = "apptest-junit.xml";

    /// <summary>The summary file name <see cref="WriteAsync"/> uses.</summary>
    public const string SummaryFile = "apptest-summary.txt";

    /// <summary>Whether every test passed (and at least one ran).</summary>
    public bool Passed => Results.Count > 0 && Results.All(r => r.Succeeded);

    /// <summary>The tests that failed or timed out.</summary>
    public IReadOnlyList<HookResult> Failures => Results.Where(r => !r.Succeeded).ToList();

    /// <summary>JUnit XML.</summary>
    public string ToJUnitXml()
    {
        var suites = new XElement("testsuites",
            new XAttribute("name", Product),
            new XAttribute("tests", Results.Count),
            new XAttribute("failures", Failures.Count),
            Results.GroupBy(r => r.Service).Select(g => new XElement("testsuite",
                new XAttribute("name", g.Key),
                new XAttribute("tests", g.Count()),
                new XAttribute("failures", g.Count(r => !r.Succeeded)),
                new XAttribute("time", Seconds(g.Aggregate(TimeSpan.Zero, (t, r) => t + r.Duration))),
                g.Select(r => new XElement("testcase",
                    new XAttribute("classname", $"{Product}.{r.Service}"),
                    new XAttribute("name", r.Host),
                    new XAttribute("time", Seconds(r.Duration)),
                    r.Succeeded ? null : new XElement("failure",
                        new XAttribute("message", r.TimedOut ? "timed out and killed" : $"exit code {r.ExitCode}"),
                        r.Output),
                    new XElement("system-out", r.Output))))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites).Declaration + "\n" + suites + "\n";
    }

    /// <summary>One line per test and a total.</summary>
    public string ToSummary()
    {
        var sb = new StringBuilder();
        foreach (var r in Results)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{(r.Succeeded ? "PASS" : r.TimedOut ? "TIMEOUT" : "FAIL")} {r.Service} on {r.Host} ({Seconds(r.Duration)} s)\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"{Results.Count - Failures.Count} passed, {Failures.Count} failed: {(Passed ? "PASS" : "FAIL")}\n");
        return sb.ToString();
    }

    /// <summary>Writes <see cref="JUnitFile"/> and <see cref="SummaryFile"/> into <paramref name="directory"/>.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, JUnitFile), ToJUnitXml(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, SummaryFile), ToSummary(), cancellationToken).ConfigureAwait(false);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
