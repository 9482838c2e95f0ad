using System.Globalization;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>The refusals: a tag variable shared with other services or keys, and references with undefined variables.</summary>
internal sealed partial class ProjectPlanner
{
    /// <summary>A planned change of a variable (in .env or .systemconfig) that carries the tag of an <c>image:</c>.</summary>
    private sealed record VariableEdit(string Name, string Value, ComposeFile File, ComposeImageSite Site, IReadOnlyList<string> Services, ImageTarget Target);

    // Every use of an edited variable must be one of the edited image sites; any other use (another service's image,
    // build args, environment, labels...) would silently change too.
    private void CheckSharedVariables(IReadOnlyList<ResolvedService> resolved)
    {
        var inUse = resolved.Select(r => (r.File.Path, r.Site.Line)).ToHashSet();
        foreach (var edits in _variableEdits.GroupBy(e => e.Name, StringComparer.Ordinal))
        {
            var edited = edits.Select(e => (e.File.Path, e.Site.Line)).ToHashSet();
            var others = new List<(ComposeFile File, ComposeVariableUse Use)>();
            foreach (var file in project.AllFiles)
            {
                foreach (var use in file.VariableUses.Where(u => u.Variable == edits.Key))
                {
                    var isImage = use.Key == "image" || use.Key.EndsWith(".image", StringComparison.Ordinal);
                    if (isImage && (edited.Contains((file.Path, use.Line)) || !inUse.Contains((file.Path, use.Line))))
                    {
                        continue; // updated here, or an image no service runs (shadowed by an override, an unused template)
                    }

                    others.Add((file, use));
                }
            }

            if (others.Count > 0)
            {
                throw Shared(edits.Key, edits.ToList(), others, resolved);
            }
        }
    }

    private DeployException Shared(string name, List<VariableEdit> edits, List<(ComposeFile File, ComposeVariableUse Use)> others, IReadOnlyList<ResolvedService> resolved)
    {
        var c = CultureInfo.InvariantCulture;
        var first = edits[0];
        var services = edits.SelectMany(e => e.Services).Distinct().ToList();
        var definedIn = new[] { project.SystemConfig, project.DotEnv }.Where(f => f?.Find(name) is not null).Select(f => $"{f!.Path} line {f.Find(name)!.Line}");
        var b = new StringBuilder();
        b.Append(c, $"The tag of {first.Target.Reference.Repository} (service {string.Join(", ", services)}) comes from ${{{name}}} ({string.Join(", ", definedIn)}), which is also used by:");
        var otherImages = new List<string>();
        foreach (var (file, use) in others)
        {
            var image = resolved.FirstOrDefault(r => r.File.Path == file.Path && r.Site.Line == use.Line);
            var effective = image is null ? null : Interpolation.Substitute(image.Site.Value, _variables);
            b.Append(c, $"\n  - {file.Path} line {use.Line}: {use.Key}");
            if (image is not null && effective is not null)
            {
                b.Append(c, $" (image {effective})");
                otherImages.Add(ImageReference.TryParse(effective, out var r) ? r.Repository : effective);
            }
        }

        b.Append(c, $"\nChanging ${{{name}}} to {first.Value} would move them too, to an image nobody loaded. Either:");
        b.Append(others.Count == otherImages.Count
            ? $"\n  1. give the archives of the other images too ({string.Join(", ", otherImages.Distinct())} tagged {first.Value}), so they move together; or"
            : $"\n  1. (not possible here: ${{{name}}} is used outside image:, e.g. {others.First(o => !o.Use.Key.EndsWith(".image", StringComparison.Ordinal)).Use.Key}); or");
        foreach (var e in edits.DistinctBy(e => (e.File.Path, e.Site.Line)))
        {
            var literal = ImageReference.Parse(Interpolation.Substitute(e.Site.Value, _variables)!).WithTag(e.Target.Reference.Tag ?? "latest");
            b.Append(c, $"\n  2. write a literal tag for {string.Join(", ", e.Services)} in {e.File.Path} line {e.Site.Line}: 'image: {literal}', leaving ${{{name}}} alone.");
        }

        return new DeployException(DeployErrorCode.ComposeTagShared, b.ToString()) { Path = first.File.Path, Service = services[0] };
    }

    private static DeployException UndefinedVariables(ComposeFile compose, ComposeImageSite site, IReadOnlyList<string> services, IReadOnlyList<string> undefined, string asCompose, ImageTarget? ours)
    {
        var vars = string.Join(", ", undefined.Select(v => $"${{{v}}}"));
        var what = ours is null
            ? $"'{asCompose}', which is not a valid image reference"
            : $"'{asCompose}', an image of {ours.Reference.Repository} that this update brings";
        return new DeployException(
            DeployErrorCode.ComposeVariableUndefined,
            $"{compose.Path} line {site.Line}: service {string.Join(", ", services)} uses image '{site.Value}', but {vars} {(undefined.Count == 1 ? "is" : "are")} defined neither in .env nor in .systemconfig; compose substitutes an empty string and runs {what}. Define {vars} in the project's .env (or give {(undefined.Count == 1 ? "it" : "them")} a default in the file) and retry.")
        {
            Path = compose.Path,
            Service = services.FirstOrDefault(),
        };
    }
}
