using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>Plans one compose project for <see cref="ImageUpdatePlanner"/>.</summary>
internal sealed partial class ProjectPlanner(ComposeProject project, IReadOnlyList<ImageTarget> targets, List<string> notes)
{
    private readonly Dictionary<string, List<(TextEdit Edit, string Reason)>> _composeEdits = new(StringComparer.Ordinal);
    private readonly List<(string Key, string Value, string Reason)> _systemConfigSets = [];
    private readonly List<(string Key, string Value, string Reason)> _dotEnvSets = [];
    private readonly List<VariableEdit> _variableEdits = [];
    private readonly IReadOnlyDictionary<string, string> _variables = project.Variables;
    private readonly Dictionary<string, string> _oldTags = new(StringComparer.Ordinal);

    public void Plan(List<PlannedFileChange> files, List<PlannedService> services)
    {
        var resolved = project.ResolveServices();
        foreach (var group in resolved.GroupBy(r => (r.File.Path, r.Site.Start)))
        {
            PlanSite(group.First().File, group.First().Site, group.Select(r => r.Service).ToList(), services);
        }

        CheckSharedVariables(resolved);
        PlanRecordedVersions();
        foreach (var compose in project.AllFiles)
        {
            if (_composeEdits.TryGetValue(compose.Path, out var edits))
            {
                var unique = edits.DistinctBy(e => e.Edit.Start).ToList();
                var updated = compose.WithEdits(unique.Select(e => e.Edit));
                var lines = unique.Select(e => (Line: TextFileEncoding.LineOf(compose.Text, e.Edit.Start), e.Reason)).DistinctBy(l => l.Line)
                    .Select(l => new PlannedFileEdit(l.Line, LineText(compose.Text, l.Line), LineText(updated.Text, l.Line), l.Reason)).ToList();
                files.Add(new PlannedFileChange(compose.Path, compose.ToBytes(), updated.ToBytes(), lines));
            }
        }

        AddKeyValueChange(project.SystemConfig, _systemConfigSets, files);
        AddKeyValueChange(project.DotEnv, _dotEnvSets, files);
    }

    private void PlanSite(ComposeFile compose, ComposeImageSite site, IReadOnlyList<string> serviceNames, List<PlannedService> services)
    {
        var undefined = Interpolation.Split(site.Value).Where(p => p.IsVariable && p.Default is null && !_variables.ContainsKey(p.Text)).Select(p => p.Text).Distinct().ToList();
        if (undefined.Count > 0)
        {
            // What compose runs: undefined variables become empty strings.
            var asCompose = Interpolation.Substitute(site.Value, undefined.Aggregate(new Dictionary<string, string>(_variables), (d, v) => { d[v] = ""; return d; }))!;
            var parsed = ImageReference.TryParse(asCompose, out var guess);
            var ours = parsed ? targets.FirstOrDefault(t => t.Reference.SameRepository(guess!.Repository)) : null;
            if (!parsed || ours is not null)
            {
                throw UndefinedVariables(compose, site, serviceNames, undefined, asCompose, ours);
            }

            return;
        }

        var effective = Interpolation.Substitute(site.Value, _variables);
        if (effective is null || !ImageReference.TryParse(effective, out var current))
        {
            notes.Add($"{compose.Path} line {site.Line}: '{effective ?? site.Value}' is not an image reference; services {string.Join(", ", serviceNames)} skipped.");
            return;
        }

        var target = targets.FirstOrDefault(t => t.Reference.SameRepository(current.Repository));
        if (target is null)
        {
            return;
        }

        var newTag = target.Reference.Tag ?? "latest";
        var newRef = current.WithTag(newTag);
        _oldTags.TryAdd(target.Reference.NormalizedRepository, current.Tag ?? "latest");
        var projectFiles = project.ComposeFiles.Select(f => RelativePath(f.Path)).ToList();
        foreach (var service in serviceNames)
        {
            services.Add(new PlannedService(project.Directory, compose.Path, service, current.ToString(), newRef.ToString(), target.ImageId) { ProjectFiles = projectFiles });
        }

        if (current.Tag == newTag && current.Digest is null)
        {
            return;
        }

        if (current.Digest is not null)
        {
            notes.Add($"{compose.Path} line {site.Line}: the digest pinned the old image and is dropped.");
        }

        PlanTagEdit(compose, site, newTag, target, serviceNames);
    }

    private string RelativePath(string path)
        => path.StartsWith(project.Directory.TrimEnd('/') + "/", StringComparison.Ordinal) ? path[(project.Directory.TrimEnd('/').Length + 1)..] : path;

    private void PlanTagEdit(ComposeFile compose, ComposeImageSite site, string newTag, ImageTarget target, IReadOnlyList<string> serviceNames)
    {
        var pieces = Interpolation.Split(site.Value);
        var reason = $"{target.Reference.Repository} -> {newTag}";
        if (pieces.Count == 1 && pieces[0].IsVariable)
        {
            // image: ${IMAGE} — the whole reference lives in a variable.
            var name = pieces[0].Text;
            var value = ImageReference.Parse(_variables[name]).WithTag(newTag).ToString();
            SetVariable(compose, site, name, value, pieces[0], reason, target, serviceNames);
            return;
        }

        // Locate the tag: after the last ':' that follows the last '/' outside variable pieces, up to '@' or the end.
        var digestAt = -1;
        var colonAt = -1;
        foreach (var p in pieces.Where(p => !p.IsVariable))
        {
            var text = site.Value.Substring(p.Start, p.Length);
            for (var i = 0; i < text.Length; i++)
            {
                var at = p.Start + i;
                if (text[i] == '@' && digestAt < 0)
                {
                    digestAt = at;
                }
                else if (text[i] == '/' && digestAt < 0)
                {
                    colonAt = -1;
                }
                else if (text[i] == ':' && digestAt < 0)
                {
                    colonAt = at;
                }
            }
        }

        var tagEnd = digestAt < 0 ? site.Value.Length : digestAt;
        if (colonAt < 0)
        {
            // No tag written (implicit latest): append one after the repository.
            var repoPieces = pieces.Where(p => p.Start < tagEnd).ToList();
            if (repoPieces.Any(p => p.IsVariable))
            {
                throw Ambiguous(compose, site);
            }

            AddComposeEdit(compose, site, tagEnd, site.Value.Length - tagEnd, ":" + newTag, reason);
            return;
        }

        var tagPieces = pieces.Where(p => p.Start + p.Length > colonAt + 1 && p.Start < tagEnd).ToList();
        if (tagPieces.All(p => !p.IsVariable))
        {
            AddComposeEdit(compose, site, colonAt + 1, site.Value.Length - colonAt - 1, newTag, reason);
            return;
        }

        if (tagPieces.Count == 1 && tagPieces[0].Start == colonAt + 1 && tagPieces[0].Start + tagPieces[0].Length == tagEnd)
        {
            SetVariable(compose, site, tagPieces[0].Text, newTag, tagPieces[0], reason, target, serviceNames);
            if (digestAt >= 0)
            {
                AddComposeEdit(compose, site, digestAt, site.Value.Length - digestAt, "", reason + " (digest dropped)");
            }

            return;
        }

        throw Ambiguous(compose, site);
    }

    private void SetVariable(ComposeFile compose, ComposeImageSite site, string name, string value, InterpolationPiece piece, string reason, ImageTarget target, IReadOnlyList<string> serviceNames)
    {
        var inSystemConfig = project.SystemConfig?.Find(name) is not null;
        var inDotEnv = project.DotEnv?.Find(name) is not null;
        if (inSystemConfig)
        {
            _systemConfigSets.Add((name, value, $"{reason} (variable {name} used by {compose.Path} line {site.Line})"));
            notes.Add($"{compose.Path} line {site.Line} takes its tag from ${{{name}}}: .systemconfig is updated instead of the compose file.");
        }

        if (inDotEnv)
        {
            _dotEnvSets.Add((name, value, $"{reason} (variable {name} used by {compose.Path} line {site.Line})"));
            notes.Add($"{compose.Path} line {site.Line} takes its tag from ${{{name}}}: .env is updated instead of the compose file.");
        }

        if (inSystemConfig || inDotEnv)
        {
            _variableEdits.Add(new VariableEdit(name, value, compose, site, serviceNames, target));
            return;
        }

        if (piece.Default is not null)
        {
            AddComposeEdit(compose, site, piece.DefaultStart, piece.Default.Length, value, reason + $" (default of ${{{name}}})");
            notes.Add($"{compose.Path} line {site.Line}: ${{{name}}} is not defined; its default in the compose file is updated.");
            return;
        }

        // Unreachable: PlanSite refuses undefined variables first.
        throw new DeployException(DeployErrorCode.ComposeVariableUndefined, $"{compose.Path} line {site.Line}: the image tag comes from ${{{name}}}, which is defined neither in .systemconfig nor in .env.") { Path = compose.Path };
    }

    private void AddComposeEdit(ComposeFile compose, ComposeImageSite site, int offset, int length, string text, string reason)
    {
        if (!_composeEdits.TryGetValue(compose.Path, out var list))
        {
            _composeEdits[compose.Path] = list = [];
        }

        if (site.Quote is not null && text.Contains(site.Quote.Value, StringComparison.Ordinal))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"'{text}' cannot be written inside {site.Quote} quotes at line {site.Line} of {compose.Path}.") { Path = compose.Path };
        }

        list.Add((new TextEdit(site.Start + offset, length, text), reason));
    }

    private static string LineText(string text, int line)
    {
        var start = 0;
        for (var l = 1; l < line; l++)
        {
            start = text.IndexOf('\n', start) + 1;
        }

        return TextFileEncoding.LineTextAt(text, start);
    }
}
