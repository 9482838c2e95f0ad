using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// The JSON of a recorded file list (<see cref="TargetState.Files"/>, <see cref="ComponentState.Files"/>). State
/// format 2 writes it compact: consecutive files that share a directory, a mode and a change event form one group,
/// and each file is <c>[name, size, mtime ticks]</c> (plus its SHA-256 when recorded), about 40 bytes a file where
/// format 1's objects took about 230 (a 10,000-file state is re-sent with every apply that changes anything).
/// Format 1 (an array of <c>{"entry": {...}, "changeEvent": ...}</c> objects) is still read.
/// </summary>
/// <example><c>{"groups":[{"dir":"/opt/app/bin/","mode":"755","changeEvent":"Restart","files":[["run",120,638700000000000000]]}]}</c></example>
internal sealed class RecordedFilesJson : JsonConverter<IReadOnlyList<RecordedFile>>
{
    /// <inheritdoc />
    public override IReadOnlyList<RecordedFile> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            // Format 1: the records as objects (this converter is attached to the properties, not to the options).
            return JsonSerializer.Deserialize<List<RecordedFile>>(ref reader, options) ?? [];
        }

        Expect(ref reader, JsonTokenType.StartObject);
        var files = new List<RecordedFile>();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("groups"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            Next(ref reader);
            Expect(ref reader, JsonTokenType.StartArray);
            while (Next(ref reader) == JsonTokenType.StartObject)
            {
                ReadGroup(ref reader, files);
            }
        }

        return files;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<RecordedFile> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("groups"u8);
        var i = 0;
        while (i < value.Count)
        {
            var first = value[i];
            var dir = DirectoryOf(first.Entry.Path);
            writer.WriteStartObject();
            writer.WriteString("dir"u8, dir);
            writer.WriteString("mode"u8, Convert.ToString((int)first.Entry.Mode, 8));
            writer.WriteString("changeEvent"u8, first.ChangeEvent.ToString());
            writer.WriteStartArray("files"u8);
            for (; i < value.Count; i++)
            {
                var f = value[i];
                if (f.Entry.Mode != first.Entry.Mode || f.ChangeEvent != first.ChangeEvent || !InDirectory(f.Entry.Path, dir))
                {
                    break;
                }

                writer.WriteStartArray();
                writer.WriteStringValue(f.Entry.Path.AsSpan(dir.Length));
                writer.WriteNumberValue(f.Entry.Size);
                writer.WriteNumberValue(f.Entry.ModifiedUtcTicks);
                if (f.Entry.Sha256 is { } sha)
                {
                    writer.WriteStringValue(sha);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void ReadGroup(ref Utf8JsonReader reader, List<RecordedFile> files)
    {
        string? dir = null;
        UnixFileMode mode = 0;
        var change = ChangeEvent.Ignore;
        var haveMode = false;
        var haveChange = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dir"u8))
            {
                Next(ref reader);
                dir = reader.GetString();
            }
            else if (reader.ValueTextEquals("mode"u8))
            {
                Next(ref reader);
                mode = ParseMode(reader.GetString());
                haveMode = true;
            }
            else if (reader.ValueTextEquals("changeEvent"u8))
            {
                Next(ref reader);
                change = Enum.TryParse<ChangeEvent>(reader.GetString(), ignoreCase: false, out var c) && Enum.IsDefined(c)
                    ? c
                    : throw new JsonException($"'{reader.GetString()}' is not a change event.");
                haveChange = true;
            }
            else if (reader.ValueTextEquals("files"u8))
            {
                if (dir is null || !haveMode || !haveChange)
                {
                    throw new JsonException("A file group lists its files before its dir, mode and changeEvent.");
                }

                Next(ref reader);
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.StartArray)
                {
                    Next(ref reader);
                    var name = reader.GetString() ?? throw new JsonException("A file name is null.");
                    Next(ref reader);
                    var size = reader.GetInt64();
                    Next(ref reader);
                    var ticks = reader.GetInt64();
                    string? sha = null;
                    if (Next(ref reader) == JsonTokenType.String)
                    {
                        sha = reader.GetString();
                        Next(ref reader);
                    }

                    Expect(ref reader, JsonTokenType.EndArray);
                    files.Add(new RecordedFile(new FileEntry(dir + name, size, ticks, mode, sha), change));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static string DirectoryOf(string path) => path[..(path.LastIndexOf('/') + 1)];

    private static bool InDirectory(string path, string dir)
        => path.Length > dir.Length && path.StartsWith(dir, StringComparison.Ordinal) && path.IndexOf('/', dir.Length) < 0;

    private static UnixFileMode ParseMode(string? text)
    {
        try
        {
            return (UnixFileMode)Convert.ToInt32(text ?? throw new JsonException("A file mode is null."), 8);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new JsonException($"'{text}' is not an octal file mode.", e);
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
        => reader.Read() ? reader.TokenType : throw new JsonException("The state ends in the middle of a file list.");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"Expected {type} in a file list, found {reader.TokenType}."));
        }
    }
}
