using System.Collections.Concurrent;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Where this backend's applies placed each local package file on each host (local path to target path), so the
/// payload kept for rollback is copied from the placed file on the target instead of sent again. A hint only: the
/// copy is checked by SHA-256 against the local file, and a file changed or gone since is uploaded.
/// </summary>
internal sealed class HostPlacements
{
    private readonly ConcurrentDictionary<(string Host, string Local), string> _placed = new();

    /// <summary>Records the files of <paramref name="files"/> (a component's, directories expanded) as placed on <paramref name="host"/>.</summary>
    public void Record(string host, IEnumerable<ComponentFile> files)
    {
        foreach (var f in files)
        {
            if (Directory.Exists(f.Source))
            {
                foreach (var file in new DirectoryInfo(f.Source).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Where(x => x.LinkTarget is null))
                {
                    _placed[(host, file.FullName)] = f.TargetPath.TrimEnd('/') + "/" + Path.GetRelativePath(f.Source, file.FullName).Replace('\\', '/');
                }
            }
            else if (File.Exists(f.Source))
            {
                _placed[(host, Path.GetFullPath(f.Source))] = f.TargetPath;
            }
        }
    }

    /// <summary>Where <paramref name="local"/> was placed on <paramref name="host"/>; <c>null</c> when not by this backend.</summary>
    public string? Find(string host, string local) => _placed.TryGetValue((host, local), out var target) ? target : null;
}
