using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Installing.Steps;

/// <summary>Uploads the payload into a hidden staging folder and renames it to the release folder, so a release
/// folder is always complete. Rollback removes the release folder (the current one is never touched).</summary>
public sealed class StageFilesStep : IOperationStep<InstallContext>
{
    /// <inheritdoc />
    public string Name => "stage files";

    /// <inheritdoc />
    public async Task ApplyAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var package = context.Package ?? throw new InvalidOperationException("Staging needs the extracted package.");
        var local = package.PayloadDirectory!;
        var host = context.Host;
        var staging = context.ReleasesDirectory + "/.staging-" + context.ReleaseName;
        await host.RemoveAsync(staging, recursive: true, cancellationToken).ConfigureAwait(false);
        await host.CreateDirectoryAsync(staging, null, cancellationToken).ConfigureAwait(false);
        var uploads = new List<FileUpload>();
        // Folders that hold something are created by the bulk upload itself (one round trip over SSH); only empty
        // folders, or folders with an unusual mode, need a call of their own.
        var parents = new HashSet<string>(package.Manifest.Payload.Select(e => PosixPath.GetDirectoryName("/" + e.Path)), StringComparer.Ordinal);
        foreach (var e in package.Manifest.Payload)
        {
            var target = staging + "/" + e.Path;
            switch (e.Kind)
            {
                case ManifestEntryKind.Directory when parents.Contains("/" + e.Path) && e.Mode == 0b111_101_101:
                    break;
                case ManifestEntryKind.Directory:
                    await host.CreateDirectoryAsync(target, (UnixFileMode)e.Mode, cancellationToken).ConfigureAwait(false);
                    break;
                case ManifestEntryKind.Symlink:
                    await host.CreateSymlinkAsync(target, e.LinkTarget!, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    uploads.Add(new FileUpload(Path.Combine(local, e.Path), target) { Mode = (UnixFileMode)e.Mode });
                    break;
            }
        }

        if (uploads.Count > 0)
        {
            await host.UploadAsync(uploads, null, cancellationToken).ConfigureAwait(false);
        }

        if (await host.ExistsAsync(context.ReleaseDirectory, cancellationToken).ConfigureAwait(false))
        {
            throw new DeployException(DeployErrorCode.InstallFailed, $"The release folder '{context.ReleaseDirectory}' already exists.") { Host = host.Name, Path = context.ReleaseDirectory };
        }

        await host.MoveAsync(staging, context.ReleaseDirectory, false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RollbackAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Host.RemoveAsync(context.ReleaseDirectory, recursive: true, cancellationToken).ConfigureAwait(false);
        await context.Host.RemoveAsync(context.ReleasesDirectory + "/.staging-" + context.ReleaseName, recursive: true, cancellationToken).ConfigureAwait(false);
    }

}
