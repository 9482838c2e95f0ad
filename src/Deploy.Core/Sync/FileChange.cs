using System.Globalization;

namespace Deploy.Core.Sync;

/// <summary>What happened to one file between two manifests.</summary>
public enum FileChangeKind
{
    /// <summary>The file is new.</summary>
    Added,
    /// <summary>The file exists on both sides and differs.</summary>
    Modified,
    /// <summary>The file is gone from the desired side.</summary>
    Removed,
}

/// <summary>One difference between a desired and a recorded manifest.</summary>
/// <param name="Kind">Added, modified or removed.</param>
/// <param name="Path">The entry key.</param>
/// <param name="Recorded">The recorded (old) entry, if any.</param>
/// <param name="Desired">The desired (new) entry, if any.</param>
public sealed record FileChange(FileChangeKind Kind, string Path, FileEntry? Recorded, FileEntry? Desired)
{
    /// <summary>Why the file counts as changed, e.g. <c>size 120 -> 133</c> or <c>mtime ... -> ...</c>.</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case FileChangeKind.Added:
                return string.Create(CultureInfo.InvariantCulture, $"new file ({Desired!.Size} bytes)");
            case FileChangeKind.Removed:
                return "removed";
        }

        var old = Recorded!;
        var now = Desired!;
        var parts = new List<string>();
        if (old.Size != now.Size)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"size {old.Size} -> {now.Size}"));
        }

        if (old.ModifiedUtcTicks != now.ModifiedUtcTicks)
        {
            parts.Add($"mtime {Format(old.ModifiedTime)} -> {Format(now.ModifiedTime)}");
        }

        if (old.Sha256 is not null && now.Sha256 is not null && !string.Equals(old.Sha256, now.Sha256, StringComparison.Ordinal))
        {
            parts.Add($"sha256 {old.Sha256[..12]}.. -> {now.Sha256[..12]}..");
        }
        else if (now.Sha256 is not null && old.Sha256 is null)
        {
            parts.Add("no recorded checksum");
        }

        if (old.Mode != now.Mode)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"mode {Octal(old.Mode)} -> {Octal(now.Mode)}"));
        }

        return parts.Count == 0 ? "changed" : string.Join(", ", parts);
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8);
}
