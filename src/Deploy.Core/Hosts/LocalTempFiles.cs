using System.Globalization;
using Deploy.Core.Hosts.Native;

namespace Deploy.Core.Hosts;

/// <summary>
/// The temp files <see cref="LocalHost"/> writes beside a destination before renaming them onto it:
/// <c>.{name}.deploy-tmp-{pid}-{random}</c>. The owner's pid is in the name, so a process killed mid-transfer
/// (SIGKILL: no <c>finally</c> runs) leaves temps that the next write into that directory recognizes as dead
/// and removes.
/// </summary>
internal static class LocalTempFiles
{
    private const string Marker = ".deploy-tmp-";
    private static readonly EnumerationOptions SweepOptions = new() { AttributesToSkip = 0, MatchType = MatchType.Simple, IgnoreInaccessible = true };

    /// <summary>A fresh temp path beside <paramref name="real"/>, owned by this process.</summary>
    public static string Beside(string real)
        => Path.Combine(
            Path.GetDirectoryName(real)!,
            string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(real)}{Marker}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}"));

    /// <summary>
    /// Removes the temps in <paramref name="directory"/> whose owner process is dead. Best effort: what cannot be
    /// read or deleted stays; a missing directory has none.
    /// </summary>
    public static void RemoveDead(string directory)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, ".*" + Marker + "*", SweepOptions))
            {
                if (OwnerOf(Path.GetFileName(file.AsSpan())) is { } pid && !Operations.ProcessLiveness.IsAlive(pid))
                {
                    File.Delete(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A courtesy to the tree: the write itself goes on.
        }
    }

    /// <summary>The owner pid of a temp name (<c>null</c> when the name is not one of ours).</summary>
    internal static int? OwnerOf(ReadOnlySpan<char> name)
    {
        var at = name.LastIndexOf(Marker);
        if (at < 1 || name[0] != '.')
        {
            return null;
        }

        var rest = name[(at + Marker.Length)..];
        var dash = rest.IndexOf('-');
        return dash > 0 && rest.Length - dash - 1 == 8
            && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }
}
