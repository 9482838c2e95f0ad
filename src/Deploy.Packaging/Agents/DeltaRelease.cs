using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Agents;

/// <summary>
/// Builds a new release on the target from its installed release plus a verified, extracted delta package
/// (<see cref="DeltaPackage"/>): the files the delta did not change are copied from the installed release on the
/// target, the changed ones uploaded, folders and links made from the full manifest, and then every file of the new
/// release is checked against the full manifest's sha256 on the target. Anything that differs (a tampered or missing
/// installed file, a delta for another base) throws <see cref="DeployErrorCode.DeltaMismatch"/> and removes the folder:
/// the caller falls back to the full package. The same code serves pull (a local host) and push (an SSH host).
/// </summary>
internal static class DeltaRelease
{
    /// <summary>The folder (beside the releases, on the same file system) where a delta release is assembled; the
    /// install moves it into place as its first step. Each assembly starts by removing a leftover one.</summary>
    public const string AssemblyFolder = ".delta-assembly";

    private static readonly HostScript Script = HostScript.FromResource(typeof(DeltaRelease).Assembly, "pkg-delta-assemble.sh");

    /// <summary>Assembles the release; returns the package to install (the delta's version and signature, the full
    /// manifest) and the assembled folder on the host.</summary>
    public static async Task<(VerifiedPackage Package, string Folder)> AssembleAsync(IHost host, string appDirectory, string baseRelease, string baseVersion, VerifiedPackage delta, CancellationToken cancellationToken)
    {
        var local = delta.PayloadDirectory!;
        var info = AgentJson.Parse<DeltaInfo>(await File.ReadAllBytesAsync(Path.Combine(local, DeltaPackage.InfoPath), cancellationToken).ConfigureAwait(false), DeltaPackage.InfoPath);
        var manifest = PackageManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(local, DeltaPackage.ManifestPath), cancellationToken).ConfigureAwait(false));
        if (FeedVersions.Parse(info.BaseVersion, "base_version").ComparePrecedenceTo(FeedVersions.Parse(baseVersion, "current_version")) != 0)
        {
            throw Mismatch(host, baseRelease, $"the delta applies to {info.BaseVersion}, but {baseVersion} is installed");
        }

        if (manifest.Payload.Any(e => e.Path.Contains('\n', StringComparison.Ordinal) || e.Path.Contains('\\', StringComparison.Ordinal)))
        {
            throw Mismatch(host, baseRelease, "a path holds a newline or a backslash, which the target's check cannot read");
        }

        var shipped = delta.Manifest.Payload.Where(e => e.Kind == ManifestEntryKind.File && !e.Path.StartsWith(DeltaPackage.MetaDirectory + "/", StringComparison.Ordinal)).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        var files = manifest.Payload.Where(e => e.Kind == ManifestEntryKind.File).ToArray();
        var baseFolder = appDirectory + "/releases/" + baseRelease;
        var folder = appDirectory + "/releases/" + AssemblyFolder;
        try
        {
            // The copy removes a leftover folder and makes it anew first (one round trip for all three).
            var copied = await RunAsync(host, baseFolder, folder, "copy", [.. files.Where(e => !shipped.Contains(e.Path)).Select(e => e.Path)], cancellationToken).ConfigureAwait(false);
            if (!copied.Succeeded)
            {
                throw Mismatch(host, baseFolder, $"copying the unchanged files from the installed release failed: {Tail(copied.StandardError)}");
            }

            var uploads = files.Where(e => shipped.Contains(e.Path)).Select(e => new FileUpload(Path.Combine(local, e.Path), folder + "/" + e.Path) { Mode = (UnixFileMode)e.Mode }).ToArray();
            if (uploads.Length > 0)
            {
                await host.UploadAsync(uploads, null, cancellationToken).ConfigureAwait(false);
            }

            // As in StageFilesStep: folders that hold something were made by the copy or the upload; only empty folders,
            // or folders with an unusual mode, need a round trip of their own (a push pays each one on every host).
            var parents = new HashSet<string>(manifest.Payload.Select(e => PosixPath.GetDirectoryName("/" + e.Path)), StringComparer.Ordinal);
            foreach (var d in manifest.Payload.Where(e => e.Kind == ManifestEntryKind.Directory && !(parents.Contains("/" + e.Path) && e.Mode == 0b111_101_101)))
            {
                await host.CreateDirectoryAsync(folder + "/" + d.Path, (UnixFileMode)d.Mode, cancellationToken).ConfigureAwait(false);
            }

            foreach (var l in manifest.Payload.Where(e => e.Kind == ManifestEntryKind.Symlink))
            {
                await host.CreateSymlinkAsync(folder + "/" + l.Path, l.LinkTarget!, cancellationToken).ConfigureAwait(false);
            }

            var checkedResult = await RunAsync(host, baseFolder, folder, "check", [.. files.Select(e => e.Sha256 + "  " + e.Path)], cancellationToken).ConfigureAwait(false);
            if (!checkedResult.Succeeded)
            {
                throw Mismatch(host, baseFolder, $"the assembled release does not match the full manifest of {info.Version}: {Tail(checkedResult.StandardOutput + checkedResult.StandardError)}");
            }
        }
        catch
        {
            await host.RemoveAsync(folder, recursive: true, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return (delta with { Manifest = manifest }, folder);
    }

    /// <summary>Input up to this size travels as an argument (on SSH: through a pooled session, no channel of its own;
    /// well under Linux's 128 KiB limit of one argument); a larger one on standard input.</summary>
    private const int InlineLimit = 96 * 1024;

    /// <summary>Runs the script's <paramref name="mode"/> on <paramref name="lines"/> (paths hold no newline: checked above).</summary>
    private static async Task<CommandResult> RunAsync(IHost host, string baseFolder, string folder, string mode, IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        var inline = string.Join('\n', lines);
        if (Encoding.UTF8.GetByteCount(inline) <= InlineLimit)
        {
            return await host.RunScriptAsync(Script, [baseFolder, folder, mode, inline], new CommandSpec(["sh"]) { Timeout = TimeSpan.FromMinutes(30) }, cancellationToken).ConfigureAwait(false);
        }

        var separator = mode == "copy" ? '\0' : '\n';
        using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + separator))));
        return await host.RunScriptAsync(Script, [baseFolder, folder, mode], new CommandSpec(["sh"]) { StandardInput = stdin, Timeout = TimeSpan.FromMinutes(30) }, cancellationToken).ConfigureAwait(false);
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join("; ", lines.Take(5)) + (lines.Length > 5 ? $"; and {lines.Length - 5} more" : "");
    }

    private static DeployException Mismatch(IHost host, string path, string why)
        => new(DeployErrorCode.DeltaMismatch, $"The delta cannot rebuild the release: {why}. The full package is used instead.") { Host = host.Name, Path = path };
}
