using System.Globalization;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Parses the NUL-separated records that <c>find -printf</c> prints for <see cref="RemoteScripts.Stat"/> and <see cref="RemoteScripts.ListTree"/>.</summary>
internal static class FindOutputParser
{
    private const int Fields = 5;

    /// <summary>Parses records of <c>[path] type size mtime mode linktarget</c>; <paramref name="withPath"/> says whether the path field leads.</summary>
    public static IReadOnlyList<RemoteFileInfo> Parse(string output, bool withPath, string fixedPath = "")
    {
        var parts = output.Split('\0');
        var width = Fields + (withPath ? 1 : 0);

        // The output ends with a NUL, so the split leaves one empty tail.
        var usable = parts.Length - 1;
        if (usable < 0 || usable % width != 0 || parts[^1].Length != 0)
        {
            throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Unexpected file listing from the host ({parts.Length} fields); is GNU find installed?");
        }

        var list = new List<RemoteFileInfo>(usable / width);
        for (var i = 0; i < usable; i += width)
        {
            var o = withPath ? 1 : 0;
            list.Add(Entry(withPath ? parts[i] : fixedPath, parts[i + o], parts[i + o + 1], parts[i + o + 2], parts[i + o + 3], parts[i + o + 4]));
        }

        return list;
    }

    private static RemoteFileInfo Entry(string path, string type, string size, string mtime, string mode, string link)
    {
        var kind = type switch
        {
            "f" => FileKind.File,
            "d" => FileKind.Directory,
            "l" => FileKind.Symlink,
            _ => FileKind.Other,
        };
        var bytes = kind == FileKind.File ? long.Parse(size, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        var bits = (UnixFileMode)Convert.ToInt32(mode, 8);
        return new RemoteFileInfo(path, kind, bytes, ParseTime(mtime), bits, kind == FileKind.Symlink ? link : null);
    }

    /// <summary>Parses <c>%T@</c> (<c>seconds.fraction</c>, up to nanoseconds) to 100 ns ticks, truncating.</summary>
    public static DateTimeOffset ParseTime(string text)
    {
        var negative = text.StartsWith('-');
        var body = negative ? text[1..] : text;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var seconds = long.Parse(dot < 0 ? body : body[..dot], NumberStyles.None, CultureInfo.InvariantCulture);
        var fraction = dot < 0 ? "" : body[(dot + 1)..];
        var ticks = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(7, '0')[..7], NumberStyles.None, CultureInfo.InvariantCulture);
        var total = (seconds * TimeSpan.TicksPerSecond) + ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(negative ? -total : total);
    }

    /// <summary>Formats a time for <c>touch -d</c>: <c>@seconds.fraction</c>, exact to the tick.</summary>
    public static string FormatTouch(DateTimeOffset time)
    {
        var ticks = (time.UtcDateTime - DateTime.UnixEpoch).Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return "@" + seconds.ToString(CultureInfo.InvariantCulture) + "." + (rest * 100).ToString("D9", CultureInfo.InvariantCulture);
    }
}
