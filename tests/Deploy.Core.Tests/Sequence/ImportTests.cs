using Deploy.Core.Errors;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Core.Sync;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

public sealed class ImportTests
{
    private const string Exospkg = """
        <?xml version="1.0" encoding="utf-8"?>
        <ComponentPackage Version="2.0.0" ErrorHandling="Component" StartupTimeout="2">
            <File Name="deb" FileName="Linux\exos-comp-types_1.0.0_amd64.deb" ChangeEvent="Reinstall"/>
            <File Name="py" FileName="Linux\types.py" ChangeEvent="Restart"/>
            <File Name="cfg" FileName="Linux\types.cfg"/>
            <Service Type="Install" Command="dpkg -i exos-comp-types_1.0.0_amd64.deb"/>
            <Service Type="Startup" Command="cp types.py /home/user/types" WorkingDirectory="/opt/types"/>
            <Service Type="Runtime" Command="python3 types.py"/>
            <Service Type="Remove" Command="dpkg --purge exos-comp-types"/>
            <DatamodelInstance Name="Types_0"/>
            <ComponentGenerator Class="ExosComponentPython" Version="2.0.0"/>
            <Build><BuildCommand Command="C:\Windows\Sysnative\wsl.exe" WorkingDirectory="\Linux" Arguments="-e sh build.sh"/></Build>
        </ComponentPackage>
        """;

    [Fact]
    public void Exospkg_import_maps_files_services_timeout_and_ignores_build_elements()
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("Types/Types.exospkg", Exospkg);

        var c = ExosPackage.Load(pkg, new ExosImportOptions { TargetDirectory = "/home/user/types" });

        c.Name.Should().Be("Types");
        c.StartupTimeout.Should().Be(TimeSpan.FromSeconds(2), "exOS gives StartupTimeout in seconds");
        c.ErrorHandling.Should().Be(ErrorHandling.Component);
        c.Files.Select(f => (f.Source, f.TargetPath, f.ChangeEvent)).Should().Equal(
            (dir.Combine("Types", "Linux", "exos-comp-types_1.0.0_amd64.deb"), "/home/user/types/exos-comp-types_1.0.0_amd64.deb", ChangeEvent.Reinstall),
            (dir.Combine("Types", "Linux", "types.py"), "/home/user/types/types.py", ChangeEvent.Restart),
            (dir.Combine("Types", "Linux", "types.cfg"), "/home/user/types/types.cfg", ChangeEvent.Ignore));
        c.Services.Select(s => (s.Kind, s.Command, s.WorkingDirectory)).Should().Equal(
            (ServiceKind.Install, "dpkg -i exos-comp-types_1.0.0_amd64.deb", "/home/user/types"),
            (ServiceKind.Startup, "cp types.py /home/user/types", "/opt/types"),
            (ServiceKind.Runtime, "python3 types.py", "/home/user/types"),
            (ServiceKind.Remove, "dpkg --purge exos-comp-types", "/home/user/types"));
    }

    [Theory]
    [InlineData("<Service Type=\"Sometimes\" Command=\"x\"/>", "Service.Type: \"Sometimes\"")]
    [InlineData("<File FileName=\"..\\..\\etc\\passwd\"/>", "leaves the package directory")]
    [InlineData("<Service Type=\"Runtime\"/>", "needs a Command")]
    public void Exospkg_with_a_bad_element_is_rejected_naming_it(string element, string message)
    {
        using var dir = new TempDirectory();
        var pkg = dir.WriteFile("x.exospkg", $"<ComponentPackage Version=\"2.0.0\">{element}</ComponentPackage>");

        var act = () => ExosPackage.Load(pkg);

        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidConfiguration && e.Message.Contains(message) && e.Path == pkg);
    }

    [Fact]
    public async Task Target_yaml_builds_the_model_with_an_imported_package_and_relative_paths()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("Types/Types.exospkg", Exospkg);
        var yaml = dir.WriteFile("target.yaml", """
            name: plc1
            compareMode: checksum
            host: { local: { root: sandbox } }
            configuration: { logLevel: debug }
            components:
              - name: DataConnection
                restartEvent: target
                startupTimeout: 5s
                files: [ { source: data/exos-data.conf, target: /opt/exos/exos-data.conf, changeEvent: Restart, mode: "0640" } ]
                services:
                  - { type: Startup, command: cp exos-api.conf /etc/, workingDirectory: /opt/exos }
              - name: Types
                package: Types/Types.exospkg
                targetDirectory: /home/user/types
                dependsOn: [DataConnection]
            """);

        var doc = await TargetYaml.LoadAsync(yaml);

        doc.Host!.LocalRoot.Should().Be(dir.Combine("sandbox"));
        var t = doc.Definition;
        t.CompareMode.Should().Be(CompareMode.Checksum);
        t.Configuration.Should().Contain("logLevel", "debug");
        t.Components[0].RestartEvent.Should().Be(RestartEvent.Target);
        t.Components[0].StartupTimeout.Should().Be(TimeSpan.FromSeconds(5));
        t.Components[0].Files.Single().Should().Be(new ComponentFile(dir.Combine("data", "exos-data.conf"), "/opt/exos/exos-data.conf") { Mode = (UnixFileMode)0b110_100_000 });
        t.Components[1].Services.Should().HaveCount(4);
        t.Components[1].DependsOn.Should().Equal("DataConnection");
    }

    [Theory]
    [InlineData("name: t\ncomponents:\n  - name: A\n    restartEvent: Sometimes\n", "components[0].restartEvent")]
    [InlineData("name: t\ncomponents:\n  - name: A\n    startupTimeout: soon\n", "components[0].startupTimeout")]
    [InlineData("name: t\ncomponents:\n  - name: A\n    files: [ { source: a, target: /a, mode: rwx } ]\n", "components[0].files[0].mode")]
    [InlineData("name: t\ncomponents:\n  - name: A\n    files: [ { source: a, target: relative/a } ]\n", "A.files.target")]
    [InlineData("name: t\ncomponents:\n  - name: A\n    dependsOn: [B]\n", "components[A].dependsOn")]
    public void Bad_target_yaml_is_rejected_with_the_field_named(string yaml, string field)
    {
        var act = () => TargetYaml.Parse(yaml, "t.yaml", "/tmp");

        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.InvalidConfiguration || e.Code == DeployErrorCode.ModelInvalid)
            .Which.Path.Should().Contain(field);
    }

    [Fact]
    public void Systemd_unit_for_a_runtime_service_runs_its_script_and_has_a_clean_name()
    {
        var m = new SystemdServiceManager(new Deploy.Core.Hosts.LocalHost(), "plc1", "/var/lib/deploy-sequence/plc1");
        var svc = new ServiceRef("Data Connection", new Service(ServiceKind.Runtime, "exec ./server"), 0);

        m.UnitName(svc).Should().MatchRegex("^deploy-plc1-Data_Connection-runtime-0-[0-9a-f]{8}\\.service$");
        m.RenderUnit(svc).Should().Contain("ExecStart=/bin/sh /var/lib/deploy-sequence/plc1/services/Data\\x20Connection/runtime-0.sh").And.Contain("KillMode=control-group");
    }
}
