using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>The <c>.systemconfig</c> records of versions, and the key=value file changes.</summary>
internal sealed partial class ProjectPlanner
{
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
}
