using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.Model;

/// <summary>A component with its local files scanned: the planner's pure input.</summary>
/// <param name="Definition">The component.</param>
/// <param name="Files">Its files, keyed by target path, with their local source.</param>
public sealed record DesiredComponent(Component Definition, IReadOnlyList<DesiredFile> Files);

/// <summary>A file to deploy: its entry (key = target path), local source and change event.</summary>
/// <param name="Entry">Size, full-precision mtime, mode (the target mode), optional SHA-256.</param>
/// <param name="LocalPath">The local source file.</param>
/// <param name="ChangeEvent">What a change of it does.</param>
public sealed record DesiredFile(FileEntry Entry, string LocalPath, ChangeEvent ChangeEvent);

/// <summary>
/// A <see cref="TargetDefinition"/> with every local file scanned (size, mtime, mode, and SHA-256 in checksum
/// mode). Build it with <see cref="ScanAsync"/>; give it to <see cref="SequencePlanner.Plan"/>.
/// </summary>
public sealed record DesiredTarget(TargetDefinition Definition, IReadOnlyList<DesiredFile> Files, IReadOnlyList<DesiredComponent> Components)
{
    /// <summary>Hashes of the configuration values, per key (first 16 hex chars of SHA-256).</summary>
    public IReadOnlyDictionary<string, string> ConfigurationHashes { get; } = HashConfiguration(Definition.Configuration);

    /// <summary>Validates <paramref name="definition"/> and scans its local files.</summary>
    public static async Task<DesiredTarget> ScanAsync(TargetDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        TargetValidator.Validate(definition);
        var mode = definition.CompareMode;
        var targetFiles = await ScanFilesAsync(definition.Files, mode, "(target)", cancellationToken).ConfigureAwait(false);
        var components = new List<DesiredComponent>();
        foreach (var c in DependencyOrder.Sort(definition.Components))
        {
            components.Add(new DesiredComponent(c, await ScanFilesAsync(c.Files, mode, c.Name, cancellationToken).ConfigureAwait(false)));
        }

        var all = new HashSet<string>(targetFiles.Count + components.Sum(c => c.Files.Count), StringComparer.Ordinal);
        foreach (var f in targetFiles.Concat(components.SelectMany(c => c.Files)))
        {
            if (!all.Add(f.Entry.Path))
            {
                throw new Errors.DeployException(Errors.DeployErrorCode.ModelInvalid, $"Target path '{f.Entry.Path}' is deployed twice (check overlapping directory sources).") { Path = f.Entry.Path };
            }
        }

        return new DesiredTarget(definition, targetFiles, components);
    }

    private static async Task<IReadOnlyList<DesiredFile>> ScanFilesAsync(IReadOnlyList<ComponentFile> files, CompareMode mode, string component, CancellationToken cancellationToken)
    {
        var result = new List<DesiredFile>();
        foreach (var f in files)
        {
            if (f.BuiltBy is not null && !File.Exists(f.Source) && !Directory.Exists(f.Source))
            {
                throw new Errors.DeployException(Errors.DeployErrorCode.LocalPathNotFound, $"Component {component}: the build output '{f.Source}' (for {f.TargetPath}) is missing: it is made by {f.BuiltBy}; run that build first.") { Path = f.Source, Service = component };
            }

            IReadOnlyList<ScannedFile> scanned = Directory.Exists(f.Source)
                ? await ManifestScanner.ScanDirectoryAsync(f.Source, f.TargetPath, mode, cancellationToken).ConfigureAwait(false)
                : [await ManifestScanner.ScanFileAsync(f.Source, f.TargetPath, mode, cancellationToken).ConfigureAwait(false)];
            result.EnsureCapacity(result.Count + scanned.Count);
            foreach (var s in scanned)
            {
                var entry = f.Mode is { } m ? s.Entry with { Mode = m } : s.Entry;
                result.Add(new DesiredFile(entry, s.LocalPath, f.ChangeEvent));
            }
        }

        return result;
    }

    private static Dictionary<string, string> HashConfiguration(IReadOnlyDictionary<string, string> configuration)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in configuration)
        {
            result[k] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(k + "\0" + v)))[..16].ToLowerInvariant();
        }

        return result;
    }
}
