using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// Decides each config file an operation writes: the three-way merge of the file rendered in the current release
/// (base), the file on the target (live) and the newly rendered one (new). A user's edit on the target survives,
/// the package's changes to other lines are applied, and conflicts stop the operation here, at plan time, with both
/// sides shown (secrets redacted), unless a <see cref="ConflictResolution"/> settles them.
/// </summary>
internal static class ConfigMerger
{
    /// <summary>Returns the changes (with reasons), the contents to write per <c>service@host</c>, and the live
    /// contents before the operation per <c>service@host</c> (what a rollback restores).</summary>
    public static async Task<(IReadOnlyList<ConfigChange> Changes, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Contents, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Live)> MergeAsync(
        ILifecycleBackend backend, LifecyclePlan plan, IReadOnlyDictionary<string, RenderedService> rendered, ReleaseRecord? current, ConflictResolution? resolution, CancellationToken cancellationToken)
    {
        var changes = new List<ConfigChange>();
        var contents = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var lives = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var conflicts = new List<string>();
        (string Service, string Host, string Path)? firstConflict = null;
        foreach (var step in plan.Changes.Where(s => s.Action is LifecycleAction.Install or LifecycleAction.Upgrade or LifecycleAction.Configure))
        {
            var service = rendered[step.Key];
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            var before = new Dictionary<string, string>(StringComparer.Ordinal);
            var release = current?.Services.FirstOrDefault(s => s.Name == step.Service);
            foreach (var config in service.Configs)
            {
                var @new = config.Content.Text;
                var @base = release?.Configs.FirstOrDefault(c => c.Host == step.Host && c.Path == config.Target)?.Content;
                var live = await backend.ReadConfigAsync(step.Host, config.Target, cancellationToken).ConfigureAwait(false);
                if (live is not null)
                {
                    before[config.Target] = live;
                }

                string text;
                string? reason = null;
                if (live is null || live == @new)
                {
                    text = @new;
                }
                else if (@base is null)
                {
                    text = @new;
                    reason = "replaces a file not recorded in any release";
                }
                else if (live == @base)
                {
                    text = @new;
                    reason = "package change applied (no edit on the target)";
                }
                else
                {
                    var merge = ThreeWayMerge.Merge(@base, live, @new, $"{step.Host}:{config.Target}");
                    if (merge.HasConflicts && resolution is null)
                    {
                        firstConflict ??= (step.Service, step.Host, config.Target);
                        conflicts.AddRange(merge.Conflicts.Select(c => c.Describe(new RenderedText("", service.Secrets).Redact)));
                        continue;
                    }

                    text = merge.HasConflicts ? merge.Resolve(resolution!.Value) : merge.Text;
                    reason = merge.HasConflicts
                        ? $"{merge.Conflicts.Count} conflict(s) settled by {(resolution == ConflictResolution.TakeNew ? "--take-new" : "--keep-live")}; other edits on the target kept"
                        : "edit on the target kept, package changes merged";
                }

                files[config.Target] = text;
                if (reason is not null)
                {
                    changes.Add(new ConfigChange(step.Service, step.Host, config.Target, reason));
                }
            }

            contents[step.Key] = files;
            lives[step.Key] = before;
        }

        if (conflicts.Count > 0)
        {
            var first = firstConflict!.Value;
            throw new DeployException(DeployErrorCode.MergeConflict, $"{conflicts.Count} config conflict(s) between edits on the targets and the package; nothing was changed. Choose --take-new or --keep-live, or edit the files.\n" + string.Join("\n", conflicts))
            {
                Service = first.Service,
                Host = first.Host,
                Path = first.Path,
            };
        }

        return (changes, contents, lives);
    }
}
