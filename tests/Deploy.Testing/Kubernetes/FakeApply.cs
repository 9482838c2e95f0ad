using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// Server-side apply as the API server does it, on leaf paths: the applied configuration's fields become the
/// manager's; a field another manager owns with a different value is a conflict (409 with one cause per field,
/// naming the manager) unless <c>force</c> takes it over; fields the manager applied before and no longer applies
/// are removed when nobody else owns them.
/// </summary>
public static class FakeApply
{
    public static (JsonObject Result, List<FakeManager> Managers) Apply(
        FakeResource resource, string name, JsonObject? current, JsonObject applied, string manager, bool force)
    {
        var managers = FakeManagedFields.Read(current);
        var appliedPaths = FakeFieldPaths.Leaves(applied);
        var conflicts = new List<(string Manager, string Path)>();
        foreach (var other in managers.Where(m => !(m.Manager == manager && m.Operation == "Apply")))
        {
            foreach (var path in other.Fields.Where(appliedPaths.Contains))
            {
                var live = current is null ? default : FakeFieldPaths.Get(current, path);
                var wanted = FakeFieldPaths.Get(applied, path);
                if (live.Found && !JsonNode.DeepEquals(live.Value, wanted.Value))
                {
                    conflicts.Add((other.Manager, path));
                }
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            var lines = conflicts.Select(c => $"conflict with \"{c.Manager}\" using {resource.ApiVersion}: {FakeFieldPaths.Display(c.Path)}");
            throw new FakeApiError(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: {string.Join("\n", lines)}")
            {
                Details = (resource.Plural, name, resource.Group),
                Causes = conflicts.Select(c => ("FieldManagerConflict", $"conflict with \"{c.Manager}\" using {resource.ApiVersion}", FakeFieldPaths.Display(c.Path))).ToList(),
            };
        }

        var result = (JsonObject?)current?.DeepClone() ?? new JsonObject();
        var mine = managers.FirstOrDefault(m => m.Manager == manager && m.Operation == "Apply");
        var others = managers.Where(m => m != mine).Select(m => m with
        {
            // Applying the same value shares ownership; a forced or conflicting value takes the field.
            Fields = m.Fields.Where(p => !appliedPaths.Contains(p) || !conflicts.Contains((m.Manager, p))).ToHashSet(StringComparer.Ordinal),
        }).ToList();
        if (mine is not null)
        {
            foreach (var dropped in mine.Fields.Where(p => !appliedPaths.Contains(p) && !others.Any(o => o.Fields.Contains(p))))
            {
                FakeFieldPaths.Remove(result, dropped);
            }
        }

        foreach (var path in appliedPaths)
        {
            FakeFieldPaths.Set(result, path, FakeFieldPaths.Get(applied, path).Value);
        }

        result["apiVersion"] = resource.ApiVersion;
        result["kind"] = resource.Kind;
        others.Add(new FakeManager(manager, "Apply", resource.ApiVersion, appliedPaths));
        return (result, others);
    }
}
