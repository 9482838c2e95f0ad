using Deploy.Core.Errors;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// The shapes of B&amp;R's public .exospkg files (exOS-Demos, exOS-Samples, exOS-ComponentExtension), written here as
/// our own packages: the older Version 1.0.0 format, empty packages, B&amp;R's defaults, backslash paths, colliding
/// names, Build sections, and the errors a bad value gets.
/// </summary>
public sealed class ExosPackageFormatTests
{
    [Fact]
    public void Version_1_0_0_package_maps_deb_files_executable_services_and_installation_hooks_as_BR_converts_them()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Gauge/Gauge.exospkg", """
            <?xml version="1.0" encoding="utf-8"?>
            <ComponentPackage Version="1.0.0" ErrorHandling="Break" StartupTimeout="3">
                <File Name="exar-gauge" FileName="Linux\exar-gauge-1.0.0.deb" Type="Project"/>
                <File Name="helper" FileName="Linux\libhelper-2.deb" Type="Library"/>
                <File Name="cfg" FileName="Linux\gauge.cfg"/>
                <Service Name="Gauge Runtime Service" Executable="/usr/bin/python3" Arguments="/home/user/gauge/gauge.py --fast"/>
                <Service Name="Plain" Executable="/home/user/gauge/plain"/>
                <Installation Type="Prerun" Command="mkdir -p /tmp/gauge"/>
                <Installation Type="Postinst" Command="ldconfig"/>
                <Installation Type="Prerm" Command="rm -rf /tmp/gauge"/>
                <DataModelInstance Name="Gauge"/>
            </ComponentPackage>
            """);

        var c = ExosPackage.Load(pkg);

        c.ErrorHandling.Should().Be(ErrorHandling.Component, "1.0.0's Break is today's Component");
        c.StartupTimeout.Should().Be(TimeSpan.FromSeconds(3));
        c.Files.Select(f => (f.TargetPath, f.ChangeEvent)).Should().Equal(
            ("/home/user/Gauge/exar-gauge-1.0.0.deb", ChangeEvent.Reinstall),
            ("/home/user/Gauge/libhelper-2.deb", ChangeEvent.Reinstall),
            ("/home/user/Gauge/gauge.cfg", ChangeEvent.Restart));
        c.Services.Select(s => (s.Kind, s.Command)).Should().Equal(
            (ServiceKind.Install, "dpkg -i exar-gauge-1.0.0.deb"),
            (ServiceKind.Remove, "dpkg --purge exar-gauge"),
            (ServiceKind.Install, "dpkg -i libhelper-2.deb"),
            (ServiceKind.Runtime, "/usr/bin/python3 /home/user/gauge/gauge.py --fast"),
            (ServiceKind.Runtime, "/home/user/gauge/plain"),
            (ServiceKind.Startup, "mkdir -p /tmp/gauge"),
            (ServiceKind.Install, "ldconfig"),
            (ServiceKind.Remove, "rm -rf /tmp/gauge"));
        c.Services.Should().OnlyContain(s => s.WorkingDirectory == "/home/user/Gauge");
    }

    [Fact]
    public void Package_without_a_Version_attribute_is_read_as_the_older_format()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Meter/Meter.exospkg", """
            <?xml version="1.0" encoding="utf-8"?>
            <ComponentPackage ErrorHandling="Ignore" StartupTimeout="0">
                <File Name="exar-meter" FileName="Linux\exar-meter-1.0.0.deb" Type="Project"/>
                <Service Name="Meter" Executable="/home/user/meter" Arguments=""/>
            </ComponentPackage>
            """);

        var c = ExosPackage.Load(pkg);

        c.ErrorHandling.Should().Be(ErrorHandling.Continue);
        c.Services.Select(s => s.Command).Should().Equal("dpkg -i exar-meter-1.0.0.deb", "dpkg --purge exar-meter", "/home/user/meter");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ComponentPackage Version=\"2.0.0\" ErrorHandling=\"Component\" StartupTimeout=\"0\"/>")]
    [InlineData("<ComponentPackage Version=\"2.0.0\"></ComponentPackage>")]
    public void Empty_package_loads_as_a_component_with_nothing(string text)
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Empty/Empty.exospkg", text);

        var c = ExosPackage.Load(pkg);

        c.Name.Should().Be("Empty");
        c.Files.Should().BeEmpty();
        c.Services.Should().BeEmpty();
        c.ErrorHandling.Should().Be(ErrorHandling.Component);
        c.StartupTimeout.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Defaults_are_BR_parser_defaults_Component_error_handling_and_Ignore_change_event()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("P/P.exospkg", "<ComponentPackage Version=\"2.0.0\"><File FileName=\"Linux\\p.conf\"/></ComponentPackage>");

        var c = ExosPackage.Load(pkg);

        c.ErrorHandling.Should().Be(ErrorHandling.Component);
        c.Files.Single().ChangeEvent.Should().Be(ChangeEvent.Ignore);
        c.StartupTimeout.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Files_with_the_same_name_in_different_folders_keep_their_folders_and_others_stay_flat()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Twin/Twin.exospkg", """
            <ComponentPackage Version="2.0.0">
                <File FileName="Linux\app.conf" ChangeEvent="Restart"/>
                <File FileName="Config\Site A\app.conf" ChangeEvent="Restart"/>
                <File FileName="Linux\twin.js" ChangeEvent="Restart"/>
            </ComponentPackage>
            """);

        var c = ExosPackage.Load(pkg);

        c.Files.Select(f => (f.Source, f.TargetPath)).Should().Equal(
            (dir.Combine("Twin", "Linux", "app.conf"), "/home/user/Twin/Linux/app.conf"),
            (dir.Combine("Twin", "Config", "Site A", "app.conf"), "/home/user/Twin/Config/Site A/app.conf"),
            (dir.Combine("Twin", "Linux", "twin.js"), "/home/user/Twin/twin.js"));
    }

    [Theory]
    [InlineData("<ComponentPackage Version=\"2.0.0\" ErrorHandling=\"Sometimes\"/>", "ComponentPackage.ErrorHandling", "Sometimes")]
    [InlineData("<ComponentPackage Version=\"1.0.0\" ErrorHandling=\"Retry\"/>", "ComponentPackage.ErrorHandling", "Retry")]
    [InlineData("<ComponentPackage Version=\"2.0.0\" RestartEvent=\"Often\"/>", "ComponentPackage.RestartEvent", "Often")]
    [InlineData("<ComponentPackage Version=\"2.0.0\"><File FileName=\"a\" ChangeEvent=\"Reboot\"/></ComponentPackage>", "File.ChangeEvent", "Reboot")]
    [InlineData("<ComponentPackage Version=\"2.0.0\"><File FileName=\"a\" ChangeEvent=\"1\"/></ComponentPackage>", "File.ChangeEvent", "\"1\"")]
    [InlineData("<ComponentPackage Version=\"2.0.0\" StartupTimeout=\"5s\"/>", "ComponentPackage.StartupTimeout", "5s")]
    [InlineData("<ComponentPackage Version=\"3.0.0\"/>", "ComponentPackage.Version", "3.0.0")]
    [InlineData("<ComponentPackage Version=\"1.0.0\"><Installation Type=\"Sometime\" Command=\"x\"/></ComponentPackage>", "Installation.Type", "Sometime")]
    [InlineData("<ComponentPackage Version=\"1.0.0\"><File FileName=\"Linux\\x.deb\"/></ComponentPackage>", "File.Name", "x.deb")]
    public void Unknown_values_are_refused_naming_package_component_and_field(string xml, string field, string value)
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Conveyor/Conveyor.exospkg", xml);

        var act = () => ExosPackage.Load(pkg);

        var e = act.Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.InvalidConfiguration);
        e.Path.Should().Be(pkg);
        e.Service.Should().Be("Conveyor");
        e.Message.Should().Contain(pkg).And.Contain("component Conveyor").And.Contain(field).And.Contain(value);
    }

    [Fact]
    public async Task Missing_build_output_fails_at_plan_time_naming_component_package_and_the_build()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Belt/Belt.exospkg", """
            <ComponentPackage Version="2.0.0" ErrorHandling="Component" StartupTimeout="0">
                <File FileName="Linux\exos-comp-belt_1.0.0_amd64.deb" ChangeEvent="Reinstall"/>
                <File FileName="Linux\belt.js" ChangeEvent="Restart"/>
                <Service Type="Install" Command="dpkg -i exos-comp-belt_1.0.0_amd64.deb"/>
                <Build>
                    <BuildCommand Command="C:\Windows\Sysnative\wsl.exe" WorkingDirectory="Linux" Arguments="-d Debian -e sh build.sh">
                        <Dependency FileName="Linux\belt.js"/>
                        <Dependency FileName="Linux\build.sh"/>
                    </BuildCommand>
                </Build>
            </ComponentPackage>
            """);
        dir.WriteFile("Belt/Linux/belt.js", "console.log('belt')\n");
        var component = ExosPackage.Load(pkg);
        component.Files.Select(f => f.BuiltBy is not null).Should().Equal(true, false);
        var target = TargetBuilder.Create("plc").AddComponent(component).Build();

        var act = () => DesiredTarget.ScanAsync(target);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        e.Service.Should().Be("Belt");
        e.Path.Should().Be(dir.Combine("Belt", "Linux", "exos-comp-belt_1.0.0_amd64.deb"));
        e.Message.Should().Contain("Component Belt").And.Contain("build output").And.Contain(pkg);
    }

    [Fact]
    public void Target_yaml_reads_exos_error_handling_names_and_refuses_others()
    {
        var t = TargetYaml.Parse("name: t\ncomponents:\n  - { name: A, errorHandling: Target }\n  - { name: B, errorHandling: component }\n  - { name: C, errorHandling: Ignore }\n", "t.yaml", "/tmp").Definition;
        t.Components.Select(c => c.ErrorHandling).Should().Equal(ErrorHandling.Stop, ErrorHandling.Component, ErrorHandling.Continue);

        var act = () => TargetYaml.Parse("name: t\ncomponents:\n  - { name: A, errorHandling: Sometimes }\n", "t.yaml", "/tmp");
        act.Should().Throw<DeployException>().Which.Path.Should().Contain("components[0].errorHandling");
    }
}
