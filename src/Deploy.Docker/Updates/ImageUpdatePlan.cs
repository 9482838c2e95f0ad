using System.Globalization;
using System.Text;

namespace Deploy.Docker.Updates;

/// <summary>
/// What an image update will do: the images it loads, the files and lines it changes (old → new), the services
/// it restarts, and notes on every decision (variables edited instead of compose files, digests dropped...).
/// A plan is pure data; <see cref="ToText"/> prints it as a dry run.
/// </summary>
/// <param name="Directory">The deployment directory on the target.</param>
/// <param name="Targets">The images brought by the archives.</param>
/// <param name="Files">The files that change.</param>
/// <param name="Services">The services whose image changes.</param>
/// <param name="Notes">Decisions worth reading.</param>
public sealed record ImageUpdatePlan(
    string Directory,
    IReadOnlyList<ImageTarget> Targets,
    IReadOnlyList<PlannedFileChange> Files,
    IReadOnlyList<PlannedService> Services,
    IReadOnlyList<string> Notes)
{
    /// <summary>Whether the plan changes nothing.</summary>
    public bool IsEmpty => Files.Count == 0 && Services.Count == 0;

    /// <summary>The plan as readable text (a dry run).</summary>
    public string ToText()
    {
        var b = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        b.Append(c, $"Image update plan for {Directory}").AppendLine();
        b.AppendLine("Images to load:");
        foreach (var t in Targets)
        {
            b.Append(c, $"  {t.Reference}  {ShortId(t.ImageId)}  from {t.Archive}").AppendLine();
        }

        b.AppendLine(Services.Count == 0 ? "Services: none use these images" : "Services:");
        foreach (var s in Services)
        {
            b.Append(c, $"  {s.ProjectDirectory} {s.Service}: {s.OldReference} -> {s.NewReference}").AppendLine();
        }

        b.AppendLine(Files.Count == 0 ? "Files: no change" : "Files:");
        foreach (var f in Files)
        {
            b.Append(c, $"  {f.Path}").AppendLine();
            foreach (var e in f.Edits)
            {
                b.Append(c, $"    line {e.Line}: {e.Reason}").AppendLine();
                b.Append(c, $"      - {e.Before}").AppendLine();
                b.Append(c, $"      + {e.After}").AppendLine();
            }
        }

        foreach (var n in Notes)
        {
            b.Append(c, $"Note: {n}").AppendLine();
        }

        return b.ToString();
    }

    private static string ShortId(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) && id.Length > 19 ? id[..19] : id;
}
