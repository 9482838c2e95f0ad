using System.Globalization;
using System.Xml.Linq;
using System.Xml;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Import;

/// <summary>
/// Imports a B&amp;R exOS component package file (<c>.exospkg</c>, XML) as a <see cref="Component"/>:
/// <c>&lt;ComponentPackage Version ErrorHandling StartupTimeout [RestartEvent]&gt;</c> with
/// <c>&lt;File FileName="Linux\x.deb" ChangeEvent="Reinstall|Restart|Ignore"/&gt;</c> and
/// <c>&lt;Service Type="Install|Startup|Runtime|Remove" Command="..." WorkingDirectory="..."/&gt;</c>. Elements that
/// only matter to B&amp;R's build tooling (Build, ComponentGenerator, DatamodelInstance...) are ignored. File names use
/// Windows <c>\</c> separators relative to the package file; each file is deployed to
/// <see cref="ExosImportOptions.TargetDirectory"/> under its own name (exOS copies a component's files into one
/// directory, where its commands find them). StartupTimeout is in milliseconds.
/// </summary>
public static class ExosPackage
{
    /// <summary>Reads <paramref name="path"/>; throws <see cref="DeployErrorCode.InvalidConfiguration"/> naming the attribute at fault.</summary>
    public static Component Load(string path, ExosImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The exOS package '{path}' does not exist.") { Path = path };
        }

        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"'{path}' is not valid XML: {e.Message}", e) { Path = path };
        }

        var root = doc.Root;
        if (root is null || root.Name.LocalName != "ComponentPackage")
        {
            throw Bad(path, $"the root element must be <ComponentPackage>, found <{root?.Name.LocalName}>");
        }

        var name = options?.ComponentName ?? Path.GetFileNameWithoutExtension(path);
        var targetDir = options?.TargetDirectory ?? "/home/user/" + name;
        PosixPath.EnsureAbsolute(targetDir);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;

        var files = new List<ComponentFile>();
        var services = new List<Service>();
        foreach (var e in root.Elements())
        {
            switch (e.Name.LocalName)
            {
                case "File":
                    var fileName = Attr(e, "FileName") ?? throw Bad(path, "<File> needs a FileName attribute");
                    var relative = fileName.Replace('\\', '/').TrimStart('/');
                    if (relative.Split('/').Contains(".."))
                    {
                        throw Bad(path, $"<File FileName=\"{fileName}\"> leaves the package directory");
                    }

                    files.Add(new ComponentFile(Path.Combine(baseDir, relative), PosixPath.Combine(targetDir, PosixPath.GetFileName(relative)))
                    {
                        ChangeEvent = ParseEnum(Attr(e, "ChangeEvent"), ChangeEvent.Restart, path, "File.ChangeEvent"),
                    });
                    break;
                case "Service":
                    var kind = ParseEnum<ServiceKind>(Attr(e, "Type") ?? throw Bad(path, "<Service> needs a Type attribute"), default, path, "Service.Type");
                    var command = Attr(e, "Command");
                    if (string.IsNullOrWhiteSpace(command))
                    {
                        throw Bad(path, $"<Service Type=\"{kind}\"> needs a Command attribute");
                    }

                    var wd = Attr(e, "WorkingDirectory");
                    services.Add(new Service(kind, command) { WorkingDirectory = string.IsNullOrEmpty(wd) ? targetDir : wd.Replace('\\', '/') });
                    break;
                default:
                    break; // Build, ComponentGenerator, DatamodelInstance...: B&R build tooling only
            }
        }

        var timeoutText = Attr(root, "StartupTimeout");
        long timeoutMs = 0;
        if (!string.IsNullOrEmpty(timeoutText) && (!long.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out timeoutMs)))
        {
            throw Bad(path, $"StartupTimeout=\"{timeoutText}\" is not a number of milliseconds");
        }

        var errorHandling = Attr(root, "ErrorHandling") is { } eh && (eh.Equals("Ignore", StringComparison.OrdinalIgnoreCase) || eh.Equals("Continue", StringComparison.OrdinalIgnoreCase))
            ? ErrorHandling.Continue
            : ErrorHandling.Stop;

        return new Component(name)
        {
            Files = files,
            Services = services,
            StartupTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            ErrorHandling = errorHandling,
            RestartEvent = ParseEnum(Attr(root, "RestartEvent"), options?.RestartEvent ?? RestartEvent.Component, path, "ComponentPackage.RestartEvent"),
        };
    }

    private static string? Attr(XElement e, string name) => e.Attributes().FirstOrDefault(a => a.Name.LocalName == name)?.Value;

    private static T ParseEnum<T>(string? text, T fallback, string path, string field)
        where T : struct, Enum
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        return Enum.TryParse<T>(text, ignoreCase: true, out var v) && Enum.IsDefined(v)
            ? v
            : throw Bad(path, $"{field}=\"{text}\" is not one of {string.Join(", ", Enum.GetNames<T>())}");
    }

    private static DeployException Bad(string path, string what) => new(DeployErrorCode.InvalidConfiguration, $"exOS package '{path}': {what}.") { Path = path };
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
