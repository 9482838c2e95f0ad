using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Import;

/// <summary>
/// Imports a B&amp;R exOS component package file (<c>.exospkg</c>, XML) as a <see cref="Component"/>, the way B&amp;R's
/// own parser reads it (<c>src/exospkg.js</c> of br-automation-com/exOS-ComponentExtension):
/// <list type="bullet">
/// <item><c>Version="1.1.0"</c> / <c>"2.0.0"</c>: <c>&lt;File FileName="Linux\x.deb" ChangeEvent="Reinstall|Restart|Ignore"/&gt;</c>
/// (no ChangeEvent: <c>Ignore</c>) and <c>&lt;Service Type="Install|Startup|Runtime|Remove" Command WorkingDirectory/&gt;</c>;</item>
/// <item><c>Version="1.0.0"</c> or no Version (the older format, see <see cref="ExosLegacyFormat"/>):
/// <c>&lt;File Name FileName Type="Project"/&gt;</c>, <c>&lt;Service Executable Arguments/&gt;</c> and <c>&lt;Installation Type Command/&gt;</c>;</item>
/// <item>an empty file, or a <c>&lt;ComponentPackage/&gt;</c> without children, is a component with nothing (exOS allows it);</item>
/// <item><c>ErrorHandling</c> <c>Ignore|Component|Target</c> (default <c>Component</c>, as B&amp;R's parser), any other value
/// is refused naming package, component and field; <c>StartupTimeout</c> is in seconds (default 0).</item>
/// </list>
/// File names use Windows <c>\</c> separators relative to the package file. Each file goes to
/// <see cref="ExosImportOptions.TargetDirectory"/> under its own name (exOS copies a component's files into one
/// directory, where its commands find them); files whose names collide keep their folders below it. A file that the
/// package's <c>&lt;Build&gt;</c> produces (every file of a package with a <c>BuildCommand</c> that is not one of its
/// <c>Dependency</c> sources) is marked <see cref="ComponentFile.BuiltBy"/>, so a missing one is reported as a missing
/// build output. Other elements (DatamodelInstance, ComponentGenerator...) only matter to B&amp;R's build tooling.
/// </summary>
public static class ExosPackage
{
    /// <summary>Reads <paramref name="path"/>; throws <see cref="DeployErrorCode.InvalidConfiguration"/> naming package, component and field.</summary>
    public static Component Load(string path, ExosImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The exOS package '{path}' does not exist.") { Path = path };
        }

        var name = options?.ComponentName ?? Path.GetFileNameWithoutExtension(path);
        var targetDir = options?.TargetDirectory ?? "/home/user/" + name;
        PosixPath.EnsureAbsolute(targetDir);
        var ctx = new ExosReadContext(path, name, targetDir, Path.GetDirectoryName(Path.GetFullPath(path))!);
        var root = ReadRoot(ctx);
        var restart = options?.RestartEvent ?? RestartEvent.Component;
        if (root is null)
        {
            return new Component(name) { ErrorHandling = ErrorHandling.Component, RestartEvent = restart };
        }

        var version = Attr(root, "Version");
        var legacy = version is null || version.StartsWith("1.0", StringComparison.Ordinal);
        if (!legacy && version is not ("1.1.0" or "2.0.0"))
        {
            throw ctx.Bad("ComponentPackage.Version", $"\"{version}\" is not a version this importer reads (1.0.0, 1.1.0, 2.0.0)");
        }

        var (files, services) = legacy ? ExosLegacyFormat.Read(root, ctx) : ReadCurrent(root, ctx);
        var errorHandling = legacy
            ? ExosLegacyFormat.ErrorHandling(Attr(root, "ErrorHandling"), ctx)
            : Attr(root, "ErrorHandling") is { } eh ? ErrorHandlings.Parse(eh) ?? throw ctx.Bad("ComponentPackage.ErrorHandling", $"\"{eh}\" is not one of {ErrorHandlings.Accepted}") : ErrorHandling.Component;
        return new Component(name)
        {
            Files = ctx.Place(files, BuildSources(root)),
            Services = services,
            StartupTimeout = StartupTimeout(Attr(root, "StartupTimeout"), ctx),
            ErrorHandling = errorHandling,
            RestartEvent = ParseEnum(Attr(root, "RestartEvent"), restart, ctx, "ComponentPackage.RestartEvent"),
        };
    }

    private static XElement? ReadRoot(ExosReadContext ctx)
    {
        if (new FileInfo(ctx.Package).Length == 0 || string.IsNullOrWhiteSpace(File.ReadAllText(ctx.Package)))
        {
            return null;
        }

        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(ctx.Package, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"exOS package '{ctx.Package}' (component {ctx.Component}) is not valid XML: {e.Message}", e) { Path = ctx.Package };
        }

        var root = doc.Root;
        return root is null || root.Name.LocalName != "ComponentPackage"
            ? throw ctx.Bad("ComponentPackage", $"the root element must be <ComponentPackage>, found <{root?.Name.LocalName}>")
            : root;
    }

    private static (List<ExosFileEntry> Files, List<Service> Services) ReadCurrent(XElement root, ExosReadContext ctx)
    {
        var files = new List<ExosFileEntry>();
        var services = new List<Service>();
        foreach (var e in root.Elements())
        {
            switch (e.Name.LocalName)
            {
                case "File":
                    var fileName = Attr(e, "FileName") ?? throw ctx.Bad("File.FileName", "<File> needs a FileName attribute");
                    // B&R's parser: a File without ChangeEvent is "Ignore".
                    files.Add(new ExosFileEntry(fileName, ParseEnum(Attr(e, "ChangeEvent"), ChangeEvent.Ignore, ctx, "File.ChangeEvent")));
                    break;
                case "Service":
                    var kind = ParseEnum<ServiceKind>(Attr(e, "Type") ?? throw ctx.Bad("Service.Type", "<Service> needs a Type attribute"), default, ctx, "Service.Type");
                    var command = Attr(e, "Command");
                    if (string.IsNullOrWhiteSpace(command))
                    {
                        throw ctx.Bad("Service.Command", $"<Service Type=\"{kind}\"> needs a Command attribute");
                    }

                    services.Add(ctx.Service(kind, command, Attr(e, "WorkingDirectory")));
                    break;
                default:
                    break; // Build, ComponentGenerator, DatamodelInstance...: B&R build tooling only
            }
        }

        return (files, services);
    }

    /// <summary>The Dependency sources of the package's build commands, or <c>null</c> when it has no BuildCommand (then nothing is a build output).</summary>
    private static HashSet<string>? BuildSources(XElement root)
    {
        var commands = root.Elements().Where(e => e.Name.LocalName == "Build").SelectMany(b => b.Elements()).Where(e => e.Name.LocalName == "BuildCommand").ToList();
        return commands.Count == 0
            ? null
            : commands.SelectMany(c => c.Elements()).Where(d => d.Name.LocalName == "Dependency")
                .Select(d => ExosReadContext.Normalize(Attr(d, "FileName") ?? "")).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// StartupTimeout is in seconds. B&amp;R publishes no schema for it; the evidence is B&amp;R's own exOS project in
    /// br-automation-com/exOS-ComponentExtension (test/suite/AS/Project/Physical/Config1/PC/exosTechnology/target.exostarget),
    /// where the DataConnection component has <c>StartupTimeout="5"</c> next to properties whose unit is in their name
    /// (<c>ComponentsHeartbeatMsec="500"</c>, <c>ComponentsTimeoutSec="2"</c>), and the exOS manual's worked example of
    /// the DataConnection restart, which waits its StartupTimeout of seconds before the other runtime services start.
    /// Every public .exospkg uses 0. B&amp;R's parser accepts any number (<c>!isNaN</c>), so fractions are read too.
    /// </summary>
    private static TimeSpan StartupTimeout(string? text, ExosReadContext ctx)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.Zero;
        }

        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw ctx.Bad("ComponentPackage.StartupTimeout", $"\"{text}\" is not a number of seconds");
    }

    internal static string? Attr(XElement e, string name) => e.Attributes().FirstOrDefault(a => a.Name.LocalName == name)?.Value;

    internal static T ParseEnum<T>(string? text, T fallback, ExosReadContext ctx, string field)
        where T : struct, Enum
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return Enum.TryParse<T>(text, ignoreCase: true, out var v) && Enum.IsDefined(v) && !char.IsDigit(text.Trim()[0])
            ? v
            : throw ctx.Bad(field, $"\"{text}\" is not one of {string.Join(", ", Enum.GetNames<T>())}");
    }
}

/// <summary>Options for <see cref="ExosPackage.Load"/>.</summary>
public sealed record ExosImportOptions
{
    /// <summary>The component's name; <value>the default is the package file name without extension</value>.</summary>
    public string? ComponentName { get; init; }

    /// <summary>Where the files go on the target; <value>the default is <c>/home/user/{name}</c></value>.</summary>
    public string? TargetDirectory { get; init; }

    /// <summary>The restart event when the package does not say; <value>the default is <see cref="RestartEvent.Component"/></value>.</summary>
    public RestartEvent? RestartEvent { get; init; }
}
