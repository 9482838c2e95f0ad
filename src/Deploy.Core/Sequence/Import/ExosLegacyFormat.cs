using System.Xml.Linq;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Import;

/// <summary>
/// The older <c>.exospkg</c> format (<c>Version="1.0.0"</c>, or no Version), mapped as B&amp;R's parser converts it
/// (<c>src/exospkg.js</c> of br-automation-com/exOS-ComponentExtension):
/// <list type="bullet">
/// <item><c>&lt;File Name="exos-comp-x" FileName="Linux\x.deb" [Type="Project"]/&gt;</c>: a <c>.deb</c> is
/// <c>ChangeEvent=Reinstall</c> with an install service <c>dpkg -i x.deb</c> and, when Type is absent or
/// <c>Project</c>, a remove service <c>dpkg --purge exos-comp-x</c>; any other file is <c>Restart</c>;</item>
/// <item><c>&lt;Service Executable="/home/user/x" Arguments="..."/&gt;</c>: a runtime service <c>Executable Arguments</c>;</item>
/// <item><c>&lt;Installation Type="Prerun|Preinst|Postinst|Prerm|Postrm" Command/&gt;</c>: startup, install, install,
/// remove, remove;</item>
/// <item><c>ErrorHandling</c> <c>Ignore|Break|Abort</c>: Ignore, Component, Target (the current names are read too).</item>
/// </list>
/// </summary>
internal static class ExosLegacyFormat
{
    public static (List<ExosFileEntry> Files, List<Service> Services) Read(XElement root, ExosReadContext ctx)
    {
        var files = new List<ExosFileEntry>();
        var services = new List<Service>();
        foreach (var e in root.Elements())
        {
            switch (e.Name.LocalName)
            {
                case "File":
                    var fileName = ExosPackage.Attr(e, "FileName") ?? throw ctx.Bad("File.FileName", "<File> needs a FileName attribute");
                    if (!fileName.EndsWith(".deb", StringComparison.OrdinalIgnoreCase))
                    {
                        files.Add(new ExosFileEntry(fileName, ChangeEvent.Restart));
                        break;
                    }

                    var package = ExosPackage.Attr(e, "Name");
                    if (string.IsNullOrWhiteSpace(package))
                    {
                        throw ctx.Bad("File.Name", $"<File FileName=\"{fileName}\"> is a .deb and needs the Name of its Debian package");
                    }

                    files.Add(new ExosFileEntry(fileName, ChangeEvent.Reinstall));
                    services.Add(ctx.Service(ServiceKind.Install, "dpkg -i " + ExosReadContext.Normalize(fileName).Split('/')[^1], null));
                    if (ExosPackage.Attr(e, "Type") is null or "Project")
                    {
                        services.Add(ctx.Service(ServiceKind.Remove, "dpkg --purge " + package, null));
                    }

                    break;
                case "Service":
                    var executable = ExosPackage.Attr(e, "Executable");
                    if (string.IsNullOrWhiteSpace(executable))
                    {
                        throw ctx.Bad("Service.Executable", "a Version 1.0.0 <Service> needs an Executable attribute");
                    }

                    var arguments = ExosPackage.Attr(e, "Arguments");
                    services.Add(ctx.Service(ServiceKind.Runtime, string.IsNullOrWhiteSpace(arguments) ? executable : executable + " " + arguments, null));
                    break;
                case "Installation":
                    var type = ExosPackage.Attr(e, "Type");
                    var command = ExosPackage.Attr(e, "Command");
                    if (string.IsNullOrWhiteSpace(command))
                    {
                        throw ctx.Bad("Installation.Command", $"<Installation Type=\"{type}\"> needs a Command attribute");
                    }

                    var kind = type switch
                    {
                        "Prerun" => ServiceKind.Startup,
                        "Preinst" or "Postinst" => ServiceKind.Install,
                        "Prerm" or "Postrm" => ServiceKind.Remove,
                        _ => throw ctx.Bad("Installation.Type", $"\"{type}\" is not one of Prerun, Preinst, Postinst, Prerm, Postrm"),
                    };
                    services.Add(ctx.Service(kind, command, null));
                    break;
                default:
                    break; // Build, DataModelInstance...: B&R build tooling only
            }
        }

        return (files, services);
    }

    /// <summary>Version 1.0.0 error handling: <c>Ignore</c>, <c>Break</c> (Component), <c>Abort</c> (Target); default Component.</summary>
    public static ErrorHandling ErrorHandling(string? text, ExosReadContext ctx) => text switch
    {
        null or "" => Model.ErrorHandling.Component,
        "Break" => Model.ErrorHandling.Component,
        "Abort" => Model.ErrorHandling.Stop,
        _ => ErrorHandlings.Parse(text) ?? throw ctx.Bad("ComponentPackage.ErrorHandling", $"\"{text}\" is not one of Ignore, Break, Abort (Version 1.0.0) or {ErrorHandlings.Accepted}"),
    };
}
