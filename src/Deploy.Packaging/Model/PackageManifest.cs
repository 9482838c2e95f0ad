using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Model;

/// <summary>
/// manifest.json of a package: the SHA-256, size and mode of every file of the package (<see cref="Files"/>,
/// relative to the top folder) and of every entry of the payload archive (<see cref="Payload"/>, relative to the
/// payload root). A verifier checks both layers, so a changed, missing or extra file anywhere fails. The manifest
/// is what a signature signs.
/// </summary>
/// <param name="PackageName">The package name (the top folder).</param>
/// <param name="Files">The package's files other than manifest.json and manifest.sig, sorted by path.</param>
/// <param name="Payload">The payload archive's entries, sorted by path.</param>
public sealed record PackageManifest(string PackageName, IReadOnlyList<ManifestEntry> Files, IReadOnlyList<ManifestEntry> Payload)
{
    /// <summary>The file name inside a package.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The largest manifest accepted (64 MiB: about 300,000 payload files).</summary>
    public const int MaxFileBytes = 64 * 1024 * 1024;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The manifest format version.</summary>
    public int Format { get; init; } = 1;

    /// <summary>Serializes deterministically (sorted entries, fixed key order, one entry per line).</summary>
    public byte[] ToUtf8Bytes()
    {
        // Sized for the usual ~150 bytes per entry, so that a manifest of many files is not built by doubling.
        var buffer = new ArrayBufferWriter<byte>(4096 + (160 * (Files.Count + Payload.Count)));
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", Format);
            w.WriteString("package_name", PackageName);
            w.WriteString("algorithm", "sha256");
            WriteEntries(w, "files", Files);
            WriteEntries(w, "payload", Payload);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses manifest bytes; a malformed manifest is <see cref="DeployErrorCode.PackageInvalid"/>.</summary>
    public static PackageManifest Parse(ReadOnlySpan<byte> utf8) => Parse(utf8.Length > MaxFileBytes ? default : utf8.ToArray(), utf8.Length);

    /// <summary>Parses manifest bytes in place (no copy: a manifest of many files is megabytes).</summary>
    internal static PackageManifest Parse(ReadOnlyMemory<byte> utf8) => Parse(utf8, utf8.Length);

    private static PackageManifest Parse(ReadOnlyMemory<byte> utf8, int length)
    {
        if (length > MaxFileBytes)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"manifest.json is {length} bytes; the limit is {MaxFileBytes}.") { Path = FileName };
        }

        try
        {
            using var doc = JsonDocument.Parse(utf8);
            var root = doc.RootElement;
            var format = root.GetProperty("format").GetInt32();
            if (format != 1)
            {
                throw new DeployException(DeployErrorCode.PackageInvalid, $"manifest.json has format {format}; this version reads format 1.") { Path = FileName };
            }

            return new PackageManifest(root.GetProperty("package_name").GetString()!, ReadEntries(root, "files"), ReadEntries(root, "payload")) { Format = format };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"manifest.json is malformed: {e.Message}", e) { Path = FileName };
        }
    }

    private static void WriteEntries(Utf8JsonWriter w, string name, IReadOnlyList<ManifestEntry> entries)
    {
        w.WriteStartArray(name);
        foreach (var e in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("path", e.Path);
            w.WriteString("kind", e.Kind switch { ManifestEntryKind.Directory => "dir", ManifestEntryKind.Symlink => "symlink", _ => "file" });
            w.WriteNumber("size", e.Size);
            w.WriteString("mode", Convert.ToString(e.Mode, 8).PadLeft(4, '0'));
            if (e.Kind == ManifestEntryKind.File)
            {
                w.WriteString("sha256", e.Sha256);
            }

            if (e.LinkTarget is not null)
            {
                w.WriteString("link", e.LinkTarget);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static ManifestEntry[] ReadEntries(JsonElement root, string name)
    {
        var list = new List<ManifestEntry>();
        foreach (var e in root.GetProperty(name).EnumerateArray())
        {
            var kind = e.GetProperty("kind").GetString() switch
            {
                "file" => ManifestEntryKind.File,
                "dir" => ManifestEntryKind.Directory,
                "symlink" => ManifestEntryKind.Symlink,
                var k => throw new FormatException($"unknown entry kind '{k}'"),
            };
            var mode = Convert.ToInt32(e.GetProperty("mode").GetString(), 8);
            var sha = e.TryGetProperty("sha256", out var s) ? s.GetString()! : "";
            if (kind == ManifestEntryKind.File && (sha.Length != 64 || sha.AsSpan().ContainsAnyExcept(LowerHex)))
            {
                throw new FormatException($"entry '{e.GetProperty("path").GetString()}' has no valid sha256");
            }

            list.Add(new ManifestEntry(
                e.GetProperty("path").GetString()!,
                kind,
                e.GetProperty("size").GetInt64(),
                sha,
                mode,
                e.TryGetProperty("link", out var l) ? l.GetString() : null));
        }

        return list.ToArray();
    }

    /// <summary>A one-line summary for logs: counts and total size.</summary>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{PackageName}: {Files.Count} files, {Payload.Count} payload entries, {Payload.Sum(p => p.Size)} payload bytes");

    internal static string Hex(ReadOnlySpan<byte> hash)
    {
        var sb = new StringBuilder(hash.Length * 2);
        foreach (var b in hash)
        {
            sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
