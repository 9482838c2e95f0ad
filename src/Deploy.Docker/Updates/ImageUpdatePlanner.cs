using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>
/// Pure planning: project files in, plan out (no I/O). For every <c>image:</c> whose effective repository matches a
/// target it decides where the tag lives — literally in the compose file, in a variable defined in
/// <c>.systemconfig</c> or <c>.env</c>, or in a <c>${VAR:-default}</c> default — and edits exactly that text.
/// <c>.systemconfig</c> entries that record the image (a full reference, or a <c>*_VERSION</c>/<c>*_TAG</c> key
/// named after the repository holding the old tag) are updated too, so a later <c>./deploy.sh restart</c> keeps
/// the new images.
/// </summary>
public static class ImageUpdatePlanner
{
    /// <summary>Plans an update of <paramref name="projects"/> to <paramref name="targets"/>.</summary>
    public static ImageUpdatePlan Plan(string directory, IReadOnlyList<ComposeProject> projects, IReadOnlyList<ImageTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(projects);
        ArgumentNullException.ThrowIfNull(targets);
        var duplicate = targets.GroupBy(t => t.Reference.NormalizedRepository).FirstOrDefault(g => g.Select(t => t.Reference.Tag).Distinct().Count() > 1);
        if (duplicate is not null)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The archives bring several tags of {duplicate.Key} ({string.Join(", ", duplicate.Select(t => t.Reference.Tag))}); pick one.") { Path = duplicate.First().Archive };
        }

        var files = new List<PlannedFileChange>();
        var services = new List<PlannedService>();
        var notes = new List<string>();
        foreach (var project in projects)
        {
            new ProjectPlanner(project, targets, notes).Plan(files, services);
        }

        return new ImageUpdatePlan(directory, targets, files, services, notes);
    }

    private sealed class ProjectPlanner(ComposeProject project, IReadOnlyList<ImageTarget> targets, List<string> notes)
    {
        private readonly Dictionary<string, List<(TextEdit Edit, string Reason)>> _composeEdits = new(StringComparer.Ordinal);
        private readonly List<(string Key, string Value, string Reason)> _systemConfigSets = [];
        private readonly List<(string Key, string Value, string Reason)> _dotEnvSets = [];
        private readonly IReadOnlyDictionary<string, string> _variables = project.Variables;
        private readonly Dictionary<string, string> _oldTags = new(StringComparer.Ordinal);

        public void Plan(List<PlannedFileChange> files, List<PlannedService> services)
        {
            foreach (var compose in project.ComposeFiles)
            {
                foreach (var site in compose.ImageSites)
                {
                    PlanSite(compose, site, services);
                }
            }

            PlanRecordedVersions();
            foreach (var compose in project.ComposeFiles)
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

        private void PlanSite(ComposeFile compose, ComposeImageSite site, List<PlannedService> services)
        {
            var effective = Interpolation.Substitute(site.Value, _variables);
            if (effective is null || !ImageReference.TryParse(effective, out var current))
            {
                if (site.Services.Count > 0 && site.Value.Contains('$', StringComparison.Ordinal))
                {
                    notes.Add($"{compose.Path} line {site.Line}: '{site.Value}' uses a variable that is not defined in .systemconfig or .env; skipped.");
                }

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
            foreach (var service in site.Services)
            {
                services.Add(new PlannedService(project.Directory, compose.Path, service, current.ToString(), newRef.ToString(), target.ImageId));
            }

            if (current.Tag == newTag && current.Digest is null)
            {
                return;
            }

            if (current.Digest is not null)
            {
                notes.Add($"{compose.Path} line {site.Line}: the digest pinned the old image and is dropped.");
            }

            PlanTagEdit(compose, site, newTag, target);
        }

        private void PlanTagEdit(ComposeFile compose, ComposeImageSite site, string newTag, ImageTarget target)
        {
            var pieces = Interpolation.Split(site.Value);
            var reason = $"{target.Reference.Repository} -> {newTag}";
            if (pieces.Count == 1 && pieces[0].IsVariable)
            {
                // image: ${IMAGE} — the whole reference lives in a variable.
                var name = pieces[0].Text;
                var value = ImageReference.Parse(_variables[name]).WithTag(newTag).ToString();
                SetVariable(compose, site, name, value, pieces[0], reason);
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
                SetVariable(compose, site, tagPieces[0].Text, newTag, tagPieces[0], reason);
                if (digestAt >= 0)
                {
                    AddComposeEdit(compose, site, digestAt, site.Value.Length - digestAt, "", reason + " (digest dropped)");
                }

                return;
            }

            throw Ambiguous(compose, site);
        }

        private void SetVariable(ComposeFile compose, ComposeImageSite site, string name, string value, InterpolationPiece piece, string reason)
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
                return;
            }

            if (piece.Default is not null)
            {
                AddComposeEdit(compose, site, piece.DefaultStart, piece.Default.Length, value, reason + $" (default of ${{{name}}})");
                notes.Add($"{compose.Path} line {site.Line}: ${{{name}}} is not defined; its default in the compose file is updated.");
                return;
            }

            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"{compose.Path} line {site.Line}: the image tag comes from ${{{name}}}, which is defined neither in .systemconfig nor in .env; define it there and retry.") { Path = compose.Path };
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

        private void PlanRecordedVersions()
        {
            if (project.SystemConfig is not { } config)
            {
                return;
            }

            var handled = _systemConfigSets.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var entry in config.Entries.DistinctBy(e => e.Key))
            {
                if (handled.Contains(entry.Key))
                {
                    continue;
                }

                // A full reference recorded in the file.
                if (entry.Value.Contains('/', StringComparison.Ordinal) && ImageReference.TryParse(entry.Value, out var recorded)
                    && targets.FirstOrDefault(t => t.Reference.SameRepository(recorded.Repository)) is { } t && recorded.Tag != t.Reference.Tag)
                {
                    _systemConfigSets.Add((entry.Key, recorded.WithTag(t.Reference.Tag ?? "latest").ToString(), $"records {t.Reference.Repository}"));
                    continue;
                }

                // A version key named after exactly one repository of the project, holding that repository's old tag.
                var candidates = targets.Where(t => _oldTags.TryGetValue(t.Reference.NormalizedRepository, out var old) && old == entry.Value && KeyNames(entry.Key, t.Reference)).ToList();
                if (candidates.Count == 1 && candidates[0].Reference.Tag is { } tag && tag != entry.Value)
                {
                    var rivals = _oldTags.Keys.Count(r => KeyNames(entry.Key, ImageReference.Parse(r)));
                    if (rivals == 1)
                    {
                        _systemConfigSets.Add((entry.Key, tag, $"records the version of {candidates[0].Reference.Repository}"));
                    }
                    else
                    {
                        notes.Add($".systemconfig {entry.Key} may record several images' version; left unchanged.");
                    }
                }
            }
        }

        private static bool KeyNames(string key, ImageReference reference)
        {
            var k = Squash(key);
            foreach (var suffix in new[] { "imageversion", "imagetag", "version", "tag", "image" })
            {
                if (k.EndsWith(suffix, StringComparison.Ordinal) && k.Length > suffix.Length)
                {
                    k = k[..^suffix.Length];
                    break;
                }
            }

            var repo = Squash(reference.NormalizedRepository[(reference.NormalizedRepository.LastIndexOf('/') + 1)..]);
            return k.Length >= 4 && (repo.StartsWith(k, StringComparison.Ordinal) || k.EndsWith(repo, StringComparison.Ordinal));
        }

        private static string Squash(string s) => new(s.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());

        private static void AddKeyValueChange(SystemConfig? file, List<(string Key, string Value, string Reason)> sets, List<PlannedFileChange> files)
        {
            if (file is null || sets.Count == 0)
            {
                return;
            }

            var updated = file;
            var edits = new List<PlannedFileEdit>();
            foreach (var (key, value, reason) in sets.DistinctBy(s => s.Key))
            {
                var conflicting = sets.Where(s => s.Key == key).Select(s => s.Value).Distinct().ToList();
                if (conflicting.Count > 1)
                {
                    throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"{key} in {file.Path} would need two values ({string.Join(", ", conflicting)}): it is shared by images updated differently.") { Path = file.Path };
                }

                updated = updated.Set(key, value);
                foreach (var entry in file.Entries.Where(e => e.Key == key))
                {
                    edits.Add(new PlannedFileEdit(entry.Line, LineText(file.Text, entry.Line), LineText(updated.Text, entry.Line), reason));
                }
            }

            files.Add(new PlannedFileChange(file.Path, file.ToBytes(), updated.ToBytes(), edits.OrderBy(e => e.Line).ToList()));
        }

        private static DeployException Ambiguous(ComposeFile compose, ComposeImageSite site)
            => new(DeployErrorCode.ComposeFileInvalid, $"{compose.Path} line {site.Line}: cannot tell where the tag of '{site.Value}' is defined; write it as repo:tag or repo:${{VAR}}.") { Path = compose.Path };

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
}
