using Deploy.Core.Errors;
using Deploy.Docker.Files;
using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>
/// Pure planning: project files in, plan out (no I/O). Each service's effective image is resolved as compose
/// resolves it (files in compose's order, later files winning, <c>extends</c>, interpolation with <c>.env</c> and
/// <c>.systemconfig</c>). For every service whose effective repository matches a target it decides where the tag
/// lives — literally in the file that defines the effective value, in a variable defined in <c>.systemconfig</c> or
/// <c>.env</c>, or in a <c>${VAR:-default}</c> default — and edits exactly that text. A tag variable that other
/// services or keys also use is refused (<see cref="DeployErrorCode.ComposeTagShared"/>), as is a reference with an
/// undefined variable that could be an updated image (<see cref="DeployErrorCode.ComposeVariableUndefined"/>).
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
}
