using Deploy.Core.Errors;

namespace Deploy.Core.Sequence.Model;

/// <summary>Checks a <see cref="TargetDefinition"/>: unique names, absolute target paths, known dependencies, no cycles.</summary>
internal static class TargetValidator
{
    /// <summary>Throws <see cref="DeployErrorCode.ModelInvalid"/> naming the offending field when the model is invalid.</summary>
    public static void Validate(TargetDefinition target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (string.IsNullOrWhiteSpace(target.Name) || target.Name.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid($"Target name '{target.Name}' must be non-empty and contain no '/'.", "target.name");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in target.Components)
        {
            if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Contains('/', StringComparison.Ordinal) || c.Name.StartsWith('.'))
            {
                throw Invalid($"Component name '{c.Name}' must be non-empty, contain no '/' and not start with '.'.", "components.name");
            }

            if (!names.Add(c.Name))
            {
                throw Invalid($"Component '{c.Name}' is defined twice.", $"components[{c.Name}]");
            }

            if (c.StartupTimeout < TimeSpan.Zero)
            {
                throw Invalid($"Component '{c.Name}' has a negative StartupTimeout.", $"components[{c.Name}].startupTimeout");
            }

            foreach (var s in c.Services)
            {
                if (string.IsNullOrWhiteSpace(s.Command))
                {
                    throw Invalid($"Component '{c.Name}' has a {s.Kind} service without a command.", $"components[{c.Name}].services");
                }

                if (s.WorkingDirectory is not null && !s.WorkingDirectory.StartsWith('/'))
                {
                    throw Invalid($"Component '{c.Name}': working directory '{s.WorkingDirectory}' must be absolute.", $"components[{c.Name}].services.workingDirectory");
                }
            }
        }

        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (owner, file) in target.Files.Select(f => ("target", f)).Concat(target.Components.SelectMany(c => c.Files.Select(f => (c.Name, f)))))
        {
            if (!file.TargetPath.StartsWith('/'))
            {
                throw Invalid($"{owner}: target path '{file.TargetPath}' must be absolute.", $"{owner}.files.target");
            }

            if (string.IsNullOrEmpty(file.Source))
            {
                throw Invalid($"{owner}: the file for '{file.TargetPath}' has no source.", $"{owner}.files.source");
            }

            if (!targets.TryAdd(file.TargetPath, owner))
            {
                throw Invalid($"Target path '{file.TargetPath}' is deployed by both '{targets[file.TargetPath]}' and '{owner}'.", $"{owner}.files.target");
            }
        }

        foreach (var c in target.Components)
        {
            foreach (var d in c.DependsOn)
            {
                if (!names.Contains(d))
                {
                    throw Invalid($"Component '{c.Name}' depends on '{d}', which is not defined.", $"components[{c.Name}].dependsOn");
                }
            }
        }

        _ = DependencyOrder.Sort(target.Components);
    }

    private static DeployException Invalid(string message, string field) => new(DeployErrorCode.ModelInvalid, message) { Path = field };
}
