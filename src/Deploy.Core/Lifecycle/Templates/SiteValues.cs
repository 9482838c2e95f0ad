using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// The site values file: overrides of the product's and services' defaults for one installation.
/// <code>
/// base_dir: /data/sample          # over every service's value of the same name
/// services:
///   redis: { port: 6380 }         # only for the redis service
/// </code>
/// </summary>
public static class SiteValues
{
    /// <summary>Reads a values file; errors name the file, line and field.</summary>
    public static async Task<IReadOnlyDictionary<string, object?>> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.LocalPathNotFound, $"The values file '{path}' does not exist.") { Path = path };
        }

        return Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>Parses values YAML; <paramref name="sourceName"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, object?> Parse(string yaml, string sourceName = "values.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var r = YamlNodeReader.Parse(yaml, sourceName);
        return r.Root is null ? ValueTree.Empty : r.Values(r.Mapping(r.Root, "(top level)"), "");
    }
}
