using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Model;

/// <summary>
/// version.json of an offline package, exactly as the rdb packager writes it:
/// <code>
/// {
///     "package_name": "update_code_5.7.1.0_centos.x86_64",
///     "package_type": "install_update_code",
///     "os_release": "bclinux,centos",
///     "_os_release": "comment..."
/// }
/// </code>
/// Keys starting with <c>_</c> are comments; they and any other extra keys survive a read/write round trip in
/// their original order.
/// </summary>
public sealed record VersionInfo
{
    /// <summary>The largest version.json accepted (1 MiB).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The file name inside a package.</summary>
    public const string FileName = "version.json";

    /// <summary>Creates version information; <paramref name="packageName"/> is validated as a file name.</summary>
    public VersionInfo(string packageName, PackageType packageType, OsReleaseFilter osRelease)
    {
        ValidatePackageName(packageName);
        ArgumentNullException.ThrowIfNull(osRelease);
        PackageName = packageName;
        PackageType = packageType;
        OsRelease = osRelease;
    }

    /// <summary><c>package_name</c>: the package's name, also the output file and top folder name.</summary>
    public string PackageName { get; init; }

    /// <summary><c>package_type</c>.</summary>
    public PackageType PackageType { get; init; }

    /// <summary><c>os_release</c>: the systems the package supports.</summary>
    public OsReleaseFilter OsRelease { get; init; }

    /// <summary>Every other key (comments such as <c>_os_release</c>, and keys unknown to this version) as raw JSON,
    /// in file order. Known keys keep their original position relative to these when written back.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraFields { get; init; } = [];

    /// <summary>The order of all keys as read; <c>null</c> for the default order (name, type, os_release, extras).</summary>
    public IReadOnlyList<string>? KeyOrder { get; init; }

    /// <summary>The comment keys (those starting with <c>_</c>) and their text.</summary>
    public IReadOnlyDictionary<string, string> Comments => ExtraFields
        .Where(f => f.Key.StartsWith('_'))
        .ToDictionary(f => f.Key, f => JsonDocument.Parse(f.Value).RootElement is { ValueKind: JsonValueKind.String } s ? s.GetString()! : f.Value, StringComparer.Ordinal);

    /// <summary>Returns a copy with one comment key (<c>_name</c>) set.</summary>
    public VersionInfo WithComment(string key, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(text);
        if (!key.StartsWith('_'))
        {
            throw new ArgumentException("Comment keys start with '_'.", nameof(key));
        }

        var raw = JsonSerializer.Serialize(text, WriteOptions);
        var extras = ExtraFields.Where(f => f.Key != key).Append(new(key, raw)).ToArray();
        var order = KeyOrder is null ? null : KeyOrder.Contains(key) ? KeyOrder : KeyOrder.Append(key).ToArray();
        return this with { ExtraFields = extras, KeyOrder = order };
    }

    /// <summary>Parses version.json bytes. Every problem is a <see cref="DeployException"/> whose
    /// <see cref="DeployException.Path"/> is the offending field.</summary>
    /// <param name="utf8">The file content.</param>
    /// <param name="registry">Known package types (e.g. a <c>PackageTypeRegistry</c>); <c>null</c> for the five rdb types.</param>
    public static VersionInfo Parse(ReadOnlySpan<byte> utf8, IPackageTypeCatalog? registry = null)
    {
        if (utf8.Length > MaxFileBytes)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"version.json is {utf8.Length} bytes; the limit is {MaxFileBytes} bytes (1 MiB).") { Path = FileName };
        }

        registry ??= BuiltInPackageTypes.Instance;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"version.json is not valid JSON: {e.Message}", e) { Path = FileName };
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DeployException(DeployErrorCode.InvalidConfiguration, $"version.json must hold a JSON object, found {doc.RootElement.ValueKind}.") { Path = FileName };
            }

            string? name = null, type = null, os = null;
            var extras = new List<KeyValuePair<string, string>>();
            var order = new List<string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (order.Contains(p.Name))
                {
                    throw Field(p.Name, "appears more than once");
                }

                order.Add(p.Name);
                switch (p.Name)
                {
                    case "package_name": name = RequireString(p); break;
                    case "package_type": type = RequireString(p); break;
                    case "os_release": os = RequireString(p); break;
                    default: extras.Add(new(p.Name, p.Value.GetRawText())); break;
                }
            }

            if (name is null)
            {
                throw Field("package_name", "is missing");
            }

            if (type is null)
            {
                throw Field("package_type", "is missing");
            }

            if (os is null)
            {
                throw Field("os_release", "is missing");
            }

            ValidatePackageName(name);
            if (!PackageType.IsValidName(type) || !registry.Contains(new PackageType(type)))
            {
                throw new DeployException(
                    DeployErrorCode.InvalidConfiguration,
                    $"version.json field 'package_type' is '{type}', which is not a known package type. Known: {string.Join(", ", registry.Types.Select(t => t.Name))}.")
                { Path = "package_type" };
            }

            return new VersionInfo(name, new PackageType(type), OsReleaseFilter.Parse(os)) { ExtraFields = extras, KeyOrder = order };
        }
    }

    /// <summary>Parses version.json text.</summary>
    public static VersionInfo Parse(string json, IPackageTypeCatalog? registry = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), registry);
    }

    /// <summary>Reads and parses a version.json file, refusing files over 1 MiB before reading them.</summary>
    public static async Task<VersionInfo> LoadAsync(string path, IPackageTypeCatalog? registry = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"'{path}' does not exist.") { Path = path };
        }

        if (info.Length > MaxFileBytes)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"version.json is {info.Length} bytes; the limit is {MaxFileBytes} bytes (1 MiB).") { Path = FileName };
        }

        return Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), registry);
    }

    /// <summary>Writes the JSON text: 4-space indentation like the rdb packager, UTF-8 without escaping non-ASCII,
    /// keys in their original order.</summary>
    public string ToJson()
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["package_name"] = JsonSerializer.Serialize(PackageName, WriteOptions),
            ["package_type"] = JsonSerializer.Serialize(PackageType.Name, WriteOptions),
            ["os_release"] = JsonSerializer.Serialize(OsRelease.ToString(), WriteOptions),
        };
        var extras = ExtraFields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var order = (KeyOrder ?? []).Where(k => known.ContainsKey(k) || extras.ContainsKey(k)).ToList();
        foreach (var k in known.Keys.Concat(extras.Keys))
        {
            if (!order.Contains(k))
            {
                order.Add(k);
            }
        }

        var sb = new StringBuilder("{\n");
        for (var i = 0; i < order.Count; i++)
        {
            var key = order[i];
            var value = known.TryGetValue(key, out var v) ? v : extras[key];
            sb.Append("    ").Append(JsonSerializer.Serialize(key, WriteOptions)).Append(": ").Append(value);
            sb.Append(i < order.Count - 1 ? ",\n" : "\n");
        }

        return sb.Append("}\n").ToString();
    }

    /// <summary>The JSON as UTF-8 bytes (no BOM).</summary>
    public byte[] ToUtf8Bytes() => new UTF8Encoding(false).GetBytes(ToJson());

    /// <summary>Throws <see cref="DeployErrorCode.InvalidConfiguration"/> naming <c>package_name</c> unless the name
    /// is usable as a file and folder name: not empty, no <c>/</c> or <c>\</c>, not <c>.</c>/<c>..</c>, no <c>..</c>,
    /// no control characters, at most 200 UTF-8 bytes.</summary>
    public static void ValidatePackageName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Field("package_name", "is empty");
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            throw Field("package_name", $"('{Printable(name)}') contains a path separator");
        }

        if (name.Contains("..", StringComparison.Ordinal) || name == ".")
        {
            throw Field("package_name", $"('{Printable(name)}') contains '..'");
        }

        if (name.Any(char.IsControl))
        {
            throw Field("package_name", $"('{Printable(name)}') contains control characters");
        }

        if (name.StartsWith('-') || Encoding.UTF8.GetByteCount(name) > 200)
        {
            throw Field("package_name", $"('{Printable(name)}') starts with '-' or is longer than 200 bytes");
        }
    }

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static string RequireString(JsonProperty p)
        => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Field(p.Name, $"must be a string, found {p.Value.ValueKind}");

    private static DeployException Field(string field, string problem)
        => new(DeployErrorCode.InvalidConfiguration, $"version.json field '{field}' {problem}.") { Path = field };

    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
