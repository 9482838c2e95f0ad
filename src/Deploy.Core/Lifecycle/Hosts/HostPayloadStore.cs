using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Release payloads on the hosts: each service folder as packaged, under <c>&lt;root&gt;/&lt;service&gt;/&lt;digest&gt;/</c>,
/// complete once its <c>.complete</c> marker is written (after every file is in, so a killed keep is done again). One
/// listing per host decides what to keep and what to prune. A file the sequence engine already placed on the host
/// (<paramref name="placements"/>: this backend's applies) is copied there on the target, checked by SHA-256, in one
/// round trip for all (<c>payload-copy-placed.sh</c>): an upgrade sends a changed file once, not again for its kept
/// copy. The rest (the service's yaml and templates, and any copy that failed or differs) goes in one upload.
/// </summary>
internal sealed class HostPayloadStore(string root, HostPlacements placements)
{
    private const string Marker = ".complete";
    private const int PairsPerCommand = 256;
    private static readonly HostScript CopyPlacedScript = HostScript.FromResource(typeof(HostPayloadStore).Assembly, "payload-copy-placed.sh");
    private readonly ConcurrentDictionary<string, IReadOnlyList<Listed>> _listed = new(StringComparer.Ordinal);

    /// <summary>One payload folder on a host: its key (<c>service/digest</c>) and whether its marker says it is whole.</summary>
    internal readonly record struct Listed(string Key, bool Complete);

    /// <summary>Where the payloads are, on every host.</summary>
    public string Root => root;

    /// <summary>
    /// Remembers <paramref name="listing"/> of <paramref name="host"/>'s payloads, read under the product's lock (with the
    /// release records, in their command): the next keep on that host uses it instead of listing again. Only payload
    /// keeps change payloads, and each keep uses a remembered listing once.
    /// </summary>
    public void Remember(string host, IReadOnlyList<Listed> listing) => _listed[host] = listing;

    /// <summary>Forgets every remembered listing (the lock is released: another operation may change the payloads).</summary>
    public void Forget() => _listed.Clear();

    /// <summary>Parses the payload lines of <c>lifecycle-read-releases.sh</c> (<c>\002service/digest 0|1</c>).</summary>
    public static IReadOnlyList<Listed> Parse(string text) => text.Split('\u0002', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.TrimEnd('\n'))
        .Where(l => l.Length > 2 && l[^2] == ' ')
        .Select(l => new Listed(l[..^2], l[^1] == '1'))
        .ToList();

    /// <summary>Makes <paramref name="host"/> (named <paramref name="name"/>) hold the payloads of <paramref name="services"/> and prunes those not in <paramref name="keep"/>; returns the bytes uploaded.</summary>
    public async Task<long> KeepAsync(string name, IHost host, IReadOnlyList<ServiceDefinition> services, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        var listed = _listed.TryRemove(name, out var remembered) ? remembered : await ListAsync(host, cancellationToken).ConfigureAwait(false);
        var complete = listed.Where(l => l.Complete).Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
        var missing = services.Where(s => !complete.Contains(Key(s.Name, s.Digest))).DistinctBy(s => Key(s.Name, s.Digest)).ToList();
        // Payloads kept on this host but no longer wanted (older than the kept releases), and incomplete leftovers: removed
        // while the missing ones are kept (other folders), so the prune costs no round trip of its own on the way.
        var present = listed.Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
        var stale = present.Where(k => !keep.Contains(k) && !missing.Any(s => Key(s.Name, s.Digest) == k)).Order(StringComparer.Ordinal).ToList();
        Task pruning = stale.Count > 0
            ? host.RunAsync(CommandSpec.Of(["rm", "-rf", "--", .. stale.Select(k => $"{root}/{k}")]), cancellationToken)
            : Task.CompletedTask;
        var keeping = KeepMissingAsync(host, name, missing, cancellationToken);
        await Task.WhenAll(keeping, pruning).ConfigureAwait(false);
        return await keeping.ConfigureAwait(false);
    }

    /// <summary>The payload folders on <paramref name="host"/> (one listing).</summary>
    private async Task<IReadOnlyList<Listed>> ListAsync(IHost host, CancellationToken cancellationToken)
    {
        var files = await host.ListTreeAsync(root, cancellationToken).ConfigureAwait(false);
        var complete = files.Where(f => f.Kind == FileKind.File && f.Path.EndsWith("/" + Marker, StringComparison.Ordinal))
            .Select(f => f.Path[..^(Marker.Length + 1)]).ToHashSet(StringComparer.Ordinal);
        return files.Select(f => f.Path.Split('/')).Where(p => p.Length >= 2).Select(p => p[0] + "/" + p[1]).Distinct(StringComparer.Ordinal)
            .Select(k => new Listed(k, complete.Contains(k))).ToList();
    }

    /// <summary>Uploads (or copies on the target) the payloads of <paramref name="missing"/>, each completed by its marker; returns the bytes uploaded.</summary>
    private async Task<long> KeepMissingAsync(IHost host, string name, List<ServiceDefinition> missing, CancellationToken cancellationToken)
    {
        long sent = 0;
        var uploads = new List<FileUpload>();
        var copies = new List<(FileInfo Local, string Placed, string Kept)>();
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
                else if (e is FileInfo f && placements.Find(name, f.FullName) is { } placed)
                {
                    copies.Add((f, placed, $"{dir}/{relative}"));
                }
                else if (e is FileInfo u)
                {
                    uploads.Add(new FileUpload(u.FullName, $"{dir}/{relative}") { SizeHint = u.Length });
                }
            }
        }

        // The copies on the target run while the upload's bytes travel; the upload places its files only once every
        // copy is in and good (its gate), so a failed copy costs one more upload (of everything) instead of a round
        // trip on every keep.
        var copying = copies.Count > 0 ? CopyPlacedAsync(host, copies, cancellationToken) : Task.FromResult(new List<FileUpload>());
        if (uploads.Count > 0)
        {
            try
            {
                sent = (await host.UploadGatedAsync(uploads, AllCopiedAsync(copying), null, cancellationToken).ConfigureAwait(false)).Bytes;
            }
            catch (CopiesFailedException)
            {
                // The gate failed, so the upload placed nothing: send its files with those the copy could not make.
                sent = (await host.UploadAsync([.. uploads, .. await copying.ConfigureAwait(false)], null, cancellationToken).ConfigureAwait(false)).Bytes;
            }
            catch when (!copying.IsCompleted)
            {
                // The upload failed before it waited for its gate: let the copy end before the failure is reported.
                await ((Task)copying).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }
        }
        else if (await copying.ConfigureAwait(false) is { Count: > 0 } failed)
        {
            sent = (await host.UploadAsync(failed, null, cancellationToken).ConfigureAwait(false)).Bytes;
        }

        foreach (var (link, target) in links)
        {
            await host.CreateSymlinkAsync(link, target, cancellationToken).ConfigureAwait(false);
        }

        // Every payload is whole: its marker (the markers at once; through the host's file writes, which a rooted
        // local host maps into its root, as it does not a command's arguments).
        await Task.WhenAll(missing.Select(async s =>
        {
            using var empty = new MemoryStream([], writable: false);
            await host.WriteFileAsync($"{root}/{Key(s.Name, s.Digest)}/{Marker}", empty, null, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);

        return sent;
    }

    /// <summary>Completes once the copies are done; fails with <see cref="CopiesFailedException"/> if any failed or differs.</summary>
    private static async Task AllCopiedAsync(Task<List<FileUpload>> copying)
    {
        if ((await copying.ConfigureAwait(false)).Count > 0)
        {
            throw new CopiesFailedException();
        }
    }

    /// <summary>The upload gate's signal that some copies on the target failed (their files are uploaded instead).</summary>
    private sealed class CopiesFailedException : Exception;

    /// <summary>Copies placed files into the payload on the target; returns the uploads of those it could not copy.</summary>
    private static async Task<List<FileUpload>> CopyPlacedAsync(IHost host, List<(FileInfo Local, string Placed, string Kept)> copies, CancellationToken cancellationToken)
    {
        var failed = new List<FileUpload>();
        foreach (var chunk in copies.Chunk(PairsPerCommand))
        {
            var input = new StringBuilder();
            foreach (var c in chunk)
            {
                input.Append(Sha256(c.Local)).Append(' ').Append(Convert.ToString((int)(c.Local.UnixFileMode & (UnixFileMode)0xFFF), 8)).Append('\n');
            }

            using var stdin = new MemoryStream(Encoding.UTF8.GetBytes(input.ToString()), writable: false);
            var result = await host.RunScriptAsync(CopyPlacedScript, chunk.SelectMany(c => new[] { c.Placed, c.Kept }).ToList(), new CommandSpec(["sh"]) { StandardInput = stdin }, cancellationToken).ConfigureAwait(false);
            var bad = result.ExitCode != 0
                ? Enumerable.Range(1, chunk.Length).ToHashSet()
                : result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToHashSet();
            failed.AddRange(chunk.Where((_, i) => bad.Contains(i + 1)).Select(c => new FileUpload(c.Local.FullName, c.Kept) { SizeHint = c.Local.Length }));
        }

        return failed;
    }

    private static string Sha256(FileInfo file)
    {
        using var stream = file.OpenRead();
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
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
