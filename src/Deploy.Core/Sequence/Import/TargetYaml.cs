using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sync;
using YamlDotNet.Core;
using YamlDotNet.Serialization.NamingConventions;
using YamlDotNet.Serialization;

namespace Deploy.Core.Sequence.Import;

/// <summary>
/// The YAML form of a target (used by <c>deploy plan|apply target.yaml</c>). Relative <c>source</c>, <c>package</c>
/// and <c>host.local.root</c> paths are relative to the YAML file.
/// <code>
/// name: plc
/// stateDirectory: /var/lib/deploy-sequence/plc     # optional
/// compareMode: quick                               # quick | checksum
/// host: { local: { root: ./sandbox } }             # optional; read by tools, not by the model
/// configuration: { logLevel: info }
/// files: [ { source: target.conf, target: /etc/exos/target.conf } ]
/// components:
///   - name: DataConnection
///     restartEvent: Target                         # Component | Target | Ignore
///     startupTimeout: 5s                           # 5000 (ms), 5s, 500ms, 00:00:05
///     errorHandling: Component                     # Target (Stop) | Component | Ignore (Continue)
///     dependsOn: []
///     files: [ { source: exos-data.conf, target: /opt/exos/exos-data.conf, changeEvent: Restart, mode: "0644" } ]
///     services:
///       - { type: Startup, command: cp exos-api.conf /etc/, workingDirectory: /opt/exos }
///       - { type: Runtime, command: exec ./exos-server, workingDirectory: /opt/exos }
///   - name: Types
///     package: Types/Types.exospkg                 # import a real exOS package
///     targetDirectory: /home/user/types
/// </code>
/// </summary>
public static class TargetYaml
{
    /// <summary>Reads a target file; relative paths in it resolve against its directory.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<TargetDocument> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The target file '{path}' does not exist.") { Path = path };
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses YAML text.</summary>
    /// <param name="yaml">The text.</param>
    /// <param name="sourceName">Names the text in errors. <value>The default is <c>target.yaml</c>.</value></param>
    /// <param name="baseDirectory">Where relative paths resolve. <value>The default is the current directory.</value></param>
    public static TargetDocument Parse(string yaml, string? sourceName = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        baseDirectory ??= Directory.GetCurrentDirectory();
        var where = sourceName ?? "target.yaml";
        TargetDto dto;
        try
        {
            dto = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<TargetDto>(yaml)
                ?? throw new DeployException(DeployErrorCode.InvalidConfiguration, $"{where} is empty.") { Path = where };
        }
        catch (YamlException e)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"{where} line {e.Start.Line}: {e.Message}", e) { Path = where };
        }

        string Abs(string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDirectory, p));
        DeployException Bad(string field, string what) => new(DeployErrorCode.InvalidConfiguration, $"{where}: {field}: {what}") { Path = where + ":" + field };

        if (string.IsNullOrWhiteSpace(dto.Name))
        {
            throw Bad("name", "a target needs a name");
        }

        var components = new List<Component>();
        for (var i = 0; i < (dto.Components?.Count ?? 0); i++)
        {
            var c = dto.Components![i];
            var field = $"components[{i}]";
            Component comp;
            if (c.Package is not null)
            {
                comp = ExosPackage.Load(Abs(c.Package), new ExosImportOptions { ComponentName = c.Name, TargetDirectory = c.TargetDirectory });
            }
            else
            {
                if (string.IsNullOrWhiteSpace(c.Name))
                {
                    throw Bad(field + ".name", "a component needs a name (or a package)");
                }

                comp = new Component(c.Name);
            }

            comp = comp with
            {
                Files = comp.Files.Concat(Files(c.Files, field + ".files")).ToList(),
                Services = comp.Services.Concat((c.Services ?? []).Select((s, j) => new Service(Enum<ServiceKind>(s.Type, $"{field}.services[{j}].type") ?? throw Bad($"{field}.services[{j}].type", "required"), s.Command ?? throw Bad($"{field}.services[{j}].command", "required"))
                {
                    WorkingDirectory = s.WorkingDirectory,
                })).ToList(),
                RestartEvent = Enum<RestartEvent>(c.RestartEvent, field + ".restartEvent") ?? comp.RestartEvent,
                ErrorHandling = c.ErrorHandling is null ? comp.ErrorHandling : ErrorHandlings.Parse(c.ErrorHandling) ?? throw Bad(field + ".errorHandling", $"'{c.ErrorHandling}' is not one of {ErrorHandlings.Accepted}"),
                StartupTimeout = c.StartupTimeout is null ? comp.StartupTimeout : Duration(c.StartupTimeout, field + ".startupTimeout"),
                DependsOn = c.DependsOn ?? comp.DependsOn,
            };
            components.Add(comp);
        }

        var definition = new TargetDefinition(dto.Name)
        {
            StateDirectory = dto.StateDirectory,
            CompareMode = Enum<CompareMode>(dto.CompareMode, "compareMode") ?? CompareMode.Quick,
            Configuration = dto.Configuration ?? new Dictionary<string, string>(),
            Files = Files(dto.Files, "files"),
            Components = components,
        };
        TargetValidator.Validate(definition);

        HostSpec? host = null;
        if (dto.Host is not null)
        {
            if (dto.Host.Local is null)
            {
                throw Bad("host", "only 'local' hosts (optionally with a root sandbox) can be given here");
            }

            host = new HostSpec(dto.Host.Local.Root is null ? null : Abs(dto.Host.Local.Root));
        }

        return new TargetDocument(definition, host);

        List<ComponentFile> Files(List<FileDto>? files, string field)
            => (files ?? []).Select((f, j) => new ComponentFile(
                    Abs(f.Source ?? throw Bad($"{field}[{j}].source", "required")),
                    f.Target ?? throw Bad($"{field}[{j}].target", "required"))
                {
                    ChangeEvent = Enum<ChangeEvent>(f.ChangeEvent, $"{field}[{j}].changeEvent") ?? ChangeEvent.Restart,
                    Mode = f.Mode is null ? null : Octal(f.Mode, $"{field}[{j}].mode"),
                }).ToList();

        UnixFileMode Octal(string text, string field)
            => text.Length is > 0 and <= 4 && text.All(ch => ch is >= '0' and <= '7')
                ? (UnixFileMode)Convert.ToInt32(text, 8)
                : throw Bad(field, $"'{text}' is not an octal mode like 0644");

        T? Enum<T>(string? text, string field)
            where T : struct, System.Enum
            => text is null ? null
                : System.Enum.TryParse<T>(text, ignoreCase: true, out var v) && System.Enum.IsDefined(v) ? v
                : throw Bad(field, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");

        TimeSpan Duration(string text, string field)
        {
            var t = text.Trim();
            if (long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                return TimeSpan.FromMilliseconds(ms);
            }

            if (t.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(t[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var m))
            {
                return TimeSpan.FromMilliseconds(m);
            }

            if (t.EndsWith('s') && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            {
                return TimeSpan.FromSeconds(s);
            }

            return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var ts) ? ts : throw Bad(field, $"'{text}' is not a duration (5000, 500ms, 5s, 00:00:05)");
        }
    }

    private sealed class TargetDto
    {
        public string? Name { get; set; }

        public string? StateDirectory { get; set; }

        public string? CompareMode { get; set; }

        public HostDto? Host { get; set; }

        public Dictionary<string, string>? Configuration { get; set; }

        public List<FileDto>? Files { get; set; }

        public List<ComponentDto>? Components { get; set; }
    }

    private sealed class HostDto
    {
        public LocalDto? Local { get; set; }
    }

    private sealed class LocalDto
    {
        public string? Root { get; set; }
    }

    private sealed class FileDto
    {
        public string? Source { get; set; }

        public string? Target { get; set; }

        public string? ChangeEvent { get; set; }

        public string? Mode { get; set; }
    }

    private sealed class ServiceDto
    {
        public string? Type { get; set; }

        public string? Command { get; set; }

        public string? WorkingDirectory { get; set; }
    }

    private sealed class ComponentDto
    {
        public string? Name { get; set; }

        public string? Package { get; set; }

        public string? TargetDirectory { get; set; }

        public string? RestartEvent { get; set; }

        public string? StartupTimeout { get; set; }

        public string? ErrorHandling { get; set; }

        public List<string>? DependsOn { get; set; }

        public List<FileDto>? Files { get; set; }

        public List<ServiceDto>? Services { get; set; }
    }
}

/// <summary>A parsed target file: the model and, optionally, where it deploys.</summary>
/// <param name="Definition">The target.</param>
/// <param name="Host">The host given in the file, if any.</param>
public sealed record TargetDocument(TargetDefinition Definition, HostSpec? Host);

/// <summary>A host named in a target file: the local machine, optionally rooted in a sandbox directory.</summary>
/// <param name="LocalRoot">The sandbox directory, or <c>null</c> for the real root.</param>
public sealed record HostSpec(string? LocalRoot);
