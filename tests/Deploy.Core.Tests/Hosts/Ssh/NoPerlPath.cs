namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>A PATH that finds every program of this machine but perl: a host whose uploads cannot be split.</summary>
internal static class NoPerlPath
{
    /// <summary>Fills <paramref name="bin"/> with links to every program in /usr/bin and /usr/sbin but perl's, and returns it as a PATH.</summary>
    public static string Make(string bin)
    {
        Directory.CreateDirectory(bin);
        foreach (var dir in new[] { "/usr/bin", "/usr/sbin" })
        {
            foreach (var program in Directory.EnumerateFileSystemEntries(dir))
            {
                var name = Path.GetFileName(program);
                if (!name.StartsWith("perl", StringComparison.Ordinal) && !File.Exists(Path.Combine(bin, name)))
                {
                    File.CreateSymbolicLink(Path.Combine(bin, name), program);
                }
            }
        }

        return bin;
    }
}
