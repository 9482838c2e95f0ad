using Deploy.Core.Errors;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Apply;

/// <summary>One field of one object that another field manager owns with a different value.</summary>
/// <param name="Object">The object.</param>
/// <param name="Field">The field path, e.g. <c>.data.log_level</c>.</param>
/// <param name="Manager">The manager that owns it (<c>kubectl-edit</c>, <c>kubectl</c>, another tool).</param>
public sealed record ApplyConflict(ObjectRef Object, string Field, string Manager);

/// <summary>
/// <see cref="DeployErrorCode.ApplyConflict"/>: the server dry run found fields other managers own with other values.
/// Raised before any change; <see cref="DeployException.Path"/> is the first field, <see cref="DeployException.Service"/>
/// the first object. Resolve by taking the fields (<see cref="ApplyOptions.Force"/>) or by changing the manifests.
/// </summary>
public sealed class ApplyConflictException : DeployException
{
    /// <summary>Creates the exception for a non-empty list of conflicts.</summary>
    public ApplyConflictException(IReadOnlyList<ApplyConflict> conflicts)
        : base(DeployErrorCode.ApplyConflict, Describe(conflicts))
    {
        ArgumentNullException.ThrowIfNull(conflicts);
        Conflicts = conflicts;
        Path = conflicts.Count > 0 ? conflicts[0].Field : null;
        Service = conflicts.Count > 0 ? conflicts[0].Object.ToString() : null;
    }

    /// <summary>Every conflict, per object and field.</summary>
    public IReadOnlyList<ApplyConflict> Conflicts { get; }

    private static string Describe(IReadOnlyList<ApplyConflict> conflicts) =>
        $"Server-side apply would take {conflicts.Count} field(s) that other managers own with other values; nothing was changed. "
        + string.Join("; ", conflicts.Select(c => $"{c.Object} {c.Field} (owned by \"{c.Manager}\")"))
        + ". Keep their values in the manifests, or apply with Force to take the fields.";
}
