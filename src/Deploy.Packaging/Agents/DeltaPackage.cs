using System.Security.Cryptography;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Delta packages: a signed package of the new version whose payload holds only the files whose content or mode
/// differs from the base version's, plus <c>.deploy-delta/manifest.json</c> (the new version's full manifest: every
/// file's sha256, as its own package lists it) and <c>.deploy-delta/delta.json</c> (<see cref="DeltaInfo"/>: the base
/// version and the removed files). <see cref="Plan"/> is pure; <see cref="BuildAsync"/> writes the package.
/// </summary>
internal static class DeltaPackage
{
    public const string MetaDirectory = ".deploy-delta";
    public const string ManifestPath = MetaDirectory + "/manifest.json";
    public const string InfoPath = MetaDirectory + "/delta.json";

    /// <summary>The files of <paramref name="target"/> a release of <paramref name="baseline"/> lacks (new, or with
    /// another sha256 or mode), and the base files the target no longer has.</summary>
    public static (IReadOnlyList<ManifestEntry> Changed, IReadOnlyList<string> Removed) Plan(IReadOnlyList<ManifestEntry> baseline, IReadOnlyList<ManifestEntry> target)
    {
        var before = baseline.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var changed = target
            .Where(e => e.Kind == ManifestEntryKind.File)
            .Where(e => !before.TryGetValue(e.Path, out var b) || b.Kind != ManifestEntryKind.File || b.Sha256 != e.Sha256 || b.Mode != e.Mode || b.LinkTarget != e.LinkTarget)
            .ToArray();
        var kept = target.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var removed = baseline.Where(e => !kept.Contains(e.Path)).Select(e => e.Path).ToArray();
        return (changed, removed);
    }

    /// <summary>Builds the delta from <paramref name="basePackage"/> to <paramref name="targetPackage"/> (both
    /// verified) under <paramref name="workDirectory"/>, signed with <paramref name="key"/>; returns its path.</summary>
    public static async Task<string> BuildAsync(string basePackage, string baseVersion, string targetPackage, string version, ECDsa key, string workDirectory, CancellationToken cancellationToken)
    {
        var reader = new PackageReader(new PackageReadOptions { Trust = TrustPolicy.Permissive });
        var baseline = await reader.VerifyAsync(basePackage, cancellationToken).ConfigureAwait(false);
        var target = await reader.ExtractAsync(targetPackage, Path.Combine(workDirectory, "target"), cancellationToken).ConfigureAwait(false);
        if (target.Manifest.Payload.Any(e => e.Path == MetaDirectory || e.Path.StartsWith(MetaDirectory + "/", StringComparison.Ordinal)))
        {
            throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.InvalidArgument, $"The package of {version} has a '{MetaDirectory}' folder, which delta packages reserve.") { Path = targetPackage };
        }

        var (changed, removed) = Plan(baseline.Manifest.Payload, target.Manifest.Payload);
        var payload = Path.Combine(workDirectory, "delta-payload");
        Directory.CreateDirectory(Path.Combine(payload, MetaDirectory));
        foreach (var e in changed)
        {
            var to = Path.Combine(payload, e.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(Path.Combine(target.PayloadDirectory!, e.Path), to);
            File.SetUnixFileMode(to, (UnixFileMode)e.Mode);
        }

        await File.WriteAllBytesAsync(Path.Combine(payload, ManifestPath), target.Manifest.ToUtf8Bytes(), cancellationToken).ConfigureAwait(false);
        var info = new DeltaInfo(baseVersion, version, removed);
        await File.WriteAllBytesAsync(Path.Combine(payload, InfoPath), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(info, AgentJson.Indented), cancellationToken).ConfigureAwait(false);
        var built = await PackageBuilder.Create(target.Version.PackageName).WithVersionInfo(target.Version).WithPayloadDirectory(payload).SignWith(key)
            .BuildToDirectoryAsync(Path.Combine(workDirectory, "out"), cancellationToken).ConfigureAwait(false);
        return built.OutputPath!;
    }
}

/// <summary><c>.deploy-delta/delta.json</c> of a delta package.</summary>
/// <param name="BaseVersion">The version it applies to.</param>
/// <param name="Version">The version it builds.</param>
/// <param name="Removed">Payload paths of the base version the new one no longer has.</param>
internal sealed record DeltaInfo(string BaseVersion, string Version, IReadOnlyList<string> Removed);
