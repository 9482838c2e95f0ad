using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Release payloads on the hosts: each service folder as packaged, under <c>&lt;root&gt;/&lt;service&gt;/&lt;digest&gt;/</c>,
/// complete once its <c>.complete</c> marker is written (after the upload, so a killed upload is sent again). One
/// listing per host decides what to send and what to prune; all missing folders of a host go in one upload.
/// </summary>
internal sealed class HostPayloadStore(string root)
{
    private const string Marker = ".complete";

    public async Task KeepAsync(IHost host, IReadOnlyList<ServiceDefinition> services, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        var listed = await host.ListTreeAsync(root, cancellationToken).ConfigureAwait(false);
        var complete = listed.Where(f => f.Kind == FileKind.File && f.Path.EndsWith("/" + Marker, StringComparison.Ordinal))
            .Select(f => f.Path[..^(Marker.Length + 1)]).ToHashSet(StringComparer.Ordinal);
        var missing = services.Where(s => !complete.Contains(Key(s.Name, s.Digest))).DistinctBy(s => Key(s.Name, s.Digest)).ToList();
        if (missing.Count > 0)
        {
            var uploads = new List<FileUpload>();
            var links = new List<(string Link, string Target)>();
            foreach (var s in missing)
            {
                var dir = $"{root}/{Key(s.Name, s.Digest)}";
                foreach (var e in new DirectoryInfo(s.Directory).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                {
                    var relative = Path.GetRelativePath(s.Directory, e.FullName).Replace('\\', '/');
                    if (e.LinkTarget is { } target)
                    {
                        links.Add(($"{dir}/{relative}", target));
                    }
                    else if (e is FileInfo f)
                    {
                        uploads.Add(new FileUpload(f.FullName, $"{dir}/{relative}") { SizeHint = f.Length });
                    }
                }
            }

            await host.UploadAsync(uploads, null, cancellationToken).ConfigureAwait(false);
            foreach (var (link, target) in links)
            {
                await host.CreateSymlinkAsync(link, target, cancellationToken).ConfigureAwait(false);
            }

            foreach (var s in missing)
            {
                using var empty = new MemoryStream([], writable: false);
                await host.WriteFileAsync($"{root}/{Key(s.Name, s.Digest)}/{Marker}", empty, null, cancellationToken).ConfigureAwait(false);
            }
        }

        // Payloads kept on this host but no longer wanted (older than the kept releases), and incomplete leftovers.
        var present = listed.Select(f => f.Path.Split('/')).Where(p => p.Length >= 2).Select(p => p[0] + "/" + p[1]).ToHashSet(StringComparer.Ordinal);
        var stale = present.Where(k => !keep.Contains(k) && !missing.Any(s => Key(s.Name, s.Digest) == k)).Order(StringComparer.Ordinal).ToList();
        if (stale.Count > 0)
        {
            await host.RunAsync(CommandSpec.Of(["rm", "-rf", "--", .. stale.Select(k => $"{root}/{k}")]), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> FetchAsync(IHost host, string service, string digest, string directory, CancellationToken cancellationToken)
    {
        var dir = $"{root}/{Key(service, digest)}";
        var files = await host.ListTreeAsync(dir, cancellationToken).ConfigureAwait(false);
        if (!files.Any(f => f.Path == Marker && f.Kind == FileKind.File))
        {
            return false;
        }

        Directory.CreateDirectory(directory);
        foreach (var f in files.Where(f => f.Path != Marker).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var local = Path.Combine(directory, f.Path);
            switch (f.Kind)
            {
                case FileKind.Directory:
                    Directory.CreateDirectory(local);
                    break;
                case FileKind.Symlink:
                    Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                    File.CreateSymbolicLink(local, f.LinkTarget!);
                    break;
                case FileKind.File:
                    Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                    var from = await host.OpenReadAsync($"{dir}/{f.Path}", cancellationToken).ConfigureAwait(false);
                    await using (from.ConfigureAwait(false))
                    {
                        var to = new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                        await using (to.ConfigureAwait(false))
                        {
                            await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    File.SetUnixFileMode(local, f.Mode & (UnixFileMode)0xFFF);
                    break;
            }
        }

        return true;
    }

    private static string Key(string service, string digest) => new StringBuilder(service).Append('/').Append(digest).ToString();
}
