using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Import;

/// <summary>A file named in a package: its name as written (Windows separators) and its change event.</summary>
/// <param name="FileName">The <c>FileName</c> attribute, relative to the package file.</param>
/// <param name="ChangeEvent">What a change of it does.</param>
internal sealed record ExosFileEntry(string FileName, ChangeEvent ChangeEvent);

/// <summary>What reading one package shares: where it is, its component, its target directory, and its errors.</summary>
internal sealed class ExosReadContext(string package, string component, string targetDirectory, string baseDirectory)
{
    public string Package { get; } = package;

    public string Component { get; } = component;

    public string TargetDirectory { get; } = targetDirectory;

    /// <summary>An error naming the package, the component and the field at fault.</summary>
    public DeployException Bad(string field, string what)
        => new(DeployErrorCode.InvalidConfiguration, $"exOS package '{Package}', component {Component}, {field}: {what}.") { Path = Package, Service = Component };

    /// <summary>A service; no working directory means the component's directory, where its files are.</summary>
    public Service Service(ServiceKind kind, string command, string? workingDirectory)
        => new(kind, command) { WorkingDirectory = string.IsNullOrEmpty(workingDirectory) ? TargetDirectory : workingDirectory.Replace('\\', '/') };

    /// <summary><c>Linux\x.deb</c> as <c>Linux/x.deb</c> (no leading separator).</summary>
    public static string Normalize(string fileName) => fileName.Replace('\\', '/').TrimStart('/');

    /// <summary>
    /// The files placed on the target: each under its own name in the target directory, except files whose names
    /// collide (<c>Linux\app.conf</c> and <c>Config\app.conf</c>), which keep their folders below it. Files the build
    /// makes (not among <paramref name="buildSources"/> when the package builds) are marked as build outputs.
    /// </summary>
    public List<ComponentFile> Place(IReadOnlyList<ExosFileEntry> entries, HashSet<string>? buildSources)
    {
        var relative = entries.Select(e => Normalize(e.FileName)).ToList();
        for (var i = 0; i < entries.Count; i++)
        {
            if (relative[i].Length == 0 || relative[i].Split('/').Contains(".."))
            {
                throw Bad("File.FileName", $"\"{entries[i].FileName}\" {(relative[i].Length == 0 ? "is empty" : "leaves the package directory")}");
            }
        }

        var clashing = relative.GroupBy(PosixPath.GetFileName, StringComparer.Ordinal).Where(g => g.Distinct(StringComparer.Ordinal).Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var result = new List<ComponentFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var name = PosixPath.GetFileName(relative[i]);
            var target = PosixPath.Combine(TargetDirectory, clashing.Contains(name) ? relative[i] : name);
            if (!seen.Add(target))
            {
                throw Bad("File.FileName", $"\"{entries[i].FileName}\" is listed twice");
            }

            result.Add(new ComponentFile(Path.Combine(baseDirectory, relative[i]), target)
            {
                ChangeEvent = entries[i].ChangeEvent,
                BuiltBy = buildSources is not null && !buildSources.Contains(relative[i]) ? $"the <Build> of exOS package '{Package}'" : null,
            });
        }

        return result;
    }
}
