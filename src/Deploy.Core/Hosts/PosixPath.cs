namespace Deploy.Core.Hosts;

/// <summary>Path arithmetic for target paths, which are always POSIX (<c>/</c>-separated) whatever this machine is.</summary>
public static class PosixPath
{
    /// <summary>Joins path parts with <c>/</c>; a rooted later part replaces what came before.</summary>
    public static string Combine(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var result = "";
        foreach (var part in parts)
        {
            if (string.IsNullOrEmpty(part))
            {
                continue;
            }

            result = part.StartsWith('/') || result.Length == 0 ? part : result.TrimEnd('/') + "/" + part;
        }

        return result;
    }

    /// <summary>The parent directory (<c>/</c> for a top-level path, <c>""</c> for a bare name).</summary>
    public static string GetDirectoryName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = path.Length > 1 ? path.TrimEnd('/') : path;
        var i = trimmed.LastIndexOf('/');
        return i < 0 ? "" : i == 0 ? "/" : trimmed[..i];
    }

    /// <summary>The last segment of the path.</summary>
    public static string GetFileName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = path.TrimEnd('/');
        var i = trimmed.LastIndexOf('/');
        return i < 0 ? trimmed : trimmed[(i + 1)..];
    }

    /// <summary>
    /// Normalizes <c>.</c>, <c>..</c> and repeated slashes. As in POSIX, <c>/..</c> is <c>/</c>; for a relative
    /// path, <c>..</c> climbing above its start throws <see cref="ArgumentException"/>.
    /// </summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (IsNormal(path))
        {
            return path;
        }

        var absolute = path.StartsWith('/');
        var stack = new List<string>();
        foreach (var seg in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (seg == ".")
            {
                continue;
            }

            if (seg == "..")
            {
                if (stack.Count == 0 && absolute)
                {
                    continue;
                }

                if (stack.Count == 0)
                {
                    throw new ArgumentException($"Path '{path}' climbs above its root.", nameof(path));
                }

                stack.RemoveAt(stack.Count - 1);
                continue;
            }

            stack.Add(seg);
        }

        var joined = string.Join('/', stack);
        return absolute ? "/" + joined : joined;
    }

    /// <summary>
    /// Whether <see cref="Normalize"/> would return <paramref name="path"/> unchanged: no empty, <c>.</c> or <c>..</c>
    /// segment and no trailing '/' (a leading one is the root). Most paths are, and this scan allocates nothing.
    /// </summary>
    private static bool IsNormal(string path)
    {
        var span = path.AsSpan();
        if (span.Length == 0)
        {
            return true;
        }

        var start = span[0] == '/' ? 1 : 0;
        if (start == span.Length)
        {
            return true; // "/"
        }

        while (true)
        {
            var rest = span[start..];
            var end = rest.IndexOf('/');
            var segment = end < 0 ? rest : rest[..end];
            if (segment.Length == 0 || segment is "." or "..")
            {
                return false;
            }

            if (end < 0)
            {
                return true;
            }

            start += end + 1;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> is absolute and has no NUL.</summary>
    public static void EnsureAbsolute(string path, string paramName = "path")
    {
        ArgumentException.ThrowIfNullOrEmpty(path, paramName);
        if (path[0] != '/')
        {
            throw new ArgumentException($"Target paths are absolute POSIX paths; '{path}' is not.", paramName);
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Paths cannot contain NUL characters.", paramName);
        }
    }
}
