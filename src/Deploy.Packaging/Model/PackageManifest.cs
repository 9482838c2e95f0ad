using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Packaging.IO;

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
        // Two passes, the first only counting: the result is one exact-size array, where a growing buffer would
        // leave several large arrays behind for the megabytes of a payload of many files.
        var counter = new CountingBufferWriter();
        Write(counter);
        var bytes = new byte[counter.Count];
        var writer = new FixedBufferWriter(bytes);
        Write(writer);
        if (writer.Written != bytes.Length)
        {
            throw new InvalidOperationException($"manifest.json came out {writer.Written} bytes long, but {bytes.Length} were measured.");
        }

        return bytes;
    }

    private void Write(IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteNumber("format", Format);
        w.WriteString("package_name", PackageName);
        w.WriteString("algorithm", "sha256");
        WriteEntries(w, "files", Files);
        WriteEntries(w, "payload", Payload);
        w.WriteEndObject();
    }

    /// <summary>Parses manifest bytes; a malformed manifest is <see cref="DeployErrorCode.PackageInvalid"/>.</summary>
    public static PackageManifest Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxFileBytes)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"manifest.json is {utf8.Length} bytes; the limit is {MaxFileBytes}.") { Path = FileName };
        }

        // Read in place with Utf8JsonReader: a manifest of many files is megabytes, and a JsonDocument would
        // copy it and index every token.
        try
        {
            var format = ReadFormat(utf8);
            if (format != 1)
            {
                throw new DeployException(DeployErrorCode.PackageInvalid, $"manifest.json has format {format}; this version reads format 1.") { Path = FileName };
            }

            var reader = new Utf8JsonReader(utf8);
            StartObject(ref reader, "manifest.json");
            string? packageName = null;
            var hasName = false;
            ManifestEntry[]? files = null;
            ManifestEntry[]? payload = null;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("package_name"u8))
                {
                    reader.Read();
                    packageName = reader.GetString();
                    hasName = true;
                }
                else if (reader.ValueTextEquals("files"u8))
                {
                    reader.Read();
                    files = ReadEntries(ref reader, "files");
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    payload = ReadEntries(ref reader, "payload");
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return new PackageManifest(
                hasName ? packageName! : throw Missing("package_name"),
                files ?? throw Missing("files"),
                payload ?? throw Missing("payload"))
            { Format = format };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DeployException(DeployErrorCode.PackageInvalid, $"manifest.json is malformed: {e.Message}", e) { Path = FileName };
        }
    }

    /// <summary>The first pass: checks the whole text is one JSON object and returns its <c>format</c>, so that a
    /// manifest of another format is reported as such rather than as malformed.</summary>
    private static int ReadFormat(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        StartObject(ref reader, "manifest.json");
        int? format = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("format"u8))
            {
                reader.Read();
                format = reader.GetInt32();
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        // Anything after the object (other than white space) is an error, as for any JSON document.
        if (reader.Read())
        {
            throw new FormatException("there is text after the manifest object");
        }

        return format ?? throw Missing("format");
    }

    /// <summary>Whether <paramref name="entries"/> are already in path order (as PackageBuilder makes them), so
    /// that writing them needs no sorted copy.</summary>
    private static bool IsSorted(IReadOnlyList<ManifestEntry> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (string.CompareOrdinal(entries[i - 1].Path, entries[i].Path) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The mode in octal, at least 4 digits (<c>Convert.ToString(mode, 8).PadLeft(4, '0')</c>) without
    /// allocating.</summary>
    private static ReadOnlySpan<char> OctalMode(int mode, Span<char> buffer)
    {
        var value = (uint)mode;
        var i = buffer.Length;
        do
        {
            buffer[--i] = (char)('0' + (value & 7));
            value >>= 3;
        }
        while (value != 0 || buffer.Length - i < 4);

        return buffer[i..];
    }

    private static ManifestEntry[] ReadEntries(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidOperationException($"'{name}' must be an array, not {reader.TokenType}");
        }

        var list = new List<ManifestEntry>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(ReadEntry(ref reader, name));
        }

        return list.ToArray();
    }

    private static ManifestEntry ReadEntry(ref Utf8JsonReader reader, string array)
    {
        StartObject(ref reader, $"an entry of '{array}'");
        ManifestEntryKind? kind = null;
        string? unknownKind = null;
        int? octal = null;
        string? mode = null;
        var hasMode = false;
        string? sha = null;
        string? path = null;
        var hasPath = false;
        long? size = null;
        string? link = null;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("path"u8))
            {
                reader.Read();
                path = reader.GetString();
                hasPath = true;
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                kind = reader.ValueTextEquals("file"u8) ? ManifestEntryKind.File
                    : reader.ValueTextEquals("dir"u8) ? ManifestEntryKind.Directory
                    : reader.ValueTextEquals("symlink"u8) ? ManifestEntryKind.Symlink
                    : null;
                unknownKind = kind is null ? reader.GetString() ?? "" : null;
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                reader.Read();
                size = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("mode"u8))
            {
                reader.Read();
                (octal, mode) = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && TryParseOctal(reader.ValueSpan, out var m)
                    ? (m, null)
                    : ((int?)null, reader.GetString());
                hasMode = true;
            }
            else if (reader.ValueTextEquals("sha256"u8))
            {
                reader.Read();
                sha = reader.GetString();
            }
            else if (reader.ValueTextEquals("link"u8))
            {
                reader.Read();
                link = reader.GetString();
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (kind is null)
        {
            throw unknownKind is null ? Missing("kind") : new FormatException($"unknown entry kind '{unknownKind}'");
        }

        var permissions = hasMode ? octal ?? Convert.ToInt32(mode, 8) : throw Missing("mode");
        sha ??= "";
        if (kind == ManifestEntryKind.File && (sha.Length != 64 || sha.AsSpan().ContainsAnyExcept(LowerHex)))
        {
            throw new FormatException($"entry '{path}' has no valid sha256");
        }

        return new ManifestEntry(
            hasPath ? path! : throw Missing("path"),
            kind.Value,
            size ?? throw Missing("size"),
            sha,
            permissions,
            link);
    }

    /// <summary>Parses 1 to 10 octal digits (what Convert.ToInt32(text, 8) gives for them) without a string.</summary>
    private static bool TryParseOctal(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 10)
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'7')
            {
                return false;
            }

            value = (value << 3) | (d - '0');
        }

        return true;
    }

    private static void StartObject(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType == JsonTokenType.None)
        {
            reader.Read();
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidOperationException($"{what} must be a JSON object, not {reader.TokenType}");
        }
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static KeyNotFoundException Missing(string property) => new($"the property '{property}' is missing");

    private static void WriteEntries(Utf8JsonWriter w, string name, IReadOnlyList<ManifestEntry> entries)
    {
        w.WriteStartArray(name);
        Span<char> octal = stackalloc char[11];
        foreach (var e in IsSorted(entries) ? (IEnumerable<ManifestEntry>)entries : entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("path", e.Path);
            w.WriteString("kind", e.Kind switch { ManifestEntryKind.Directory => "dir", ManifestEntryKind.Symlink => "symlink", _ => "file" });
            w.WriteNumber("size", e.Size);
            w.WriteString("mode", OctalMode(e.Mode, octal));
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
