using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Sequence;

/// <summary>One isolated Debian host whose /var/log is private too (dpkg logs there).</summary>
public sealed class ExosHostFixture(Xunit.Abstractions.IMessageSink sink) : IsolatedHostsFixture(sink)
{
    /// <inheritdoc />
    protected override IReadOnlyList<IsolatedHostSpec> Specs => [IsolatedHostSpec.Of("plc", OsReleases.Debian12)];

    /// <inheritdoc />
    protected override IsolatedHostsOptions Options => new() { PrivateDirectories = ["/opt", "/var/lib", "/var/log", "/home", "/tmp", "/run"] };
}

/// <summary>
/// Our own exOS packages in the shapes of B&amp;R's public ones (both formats, backslash paths, absolute commands,
/// Build sections, an empty package, a .deb built here with dpkg-deb and installed with dpkg -i), planned and applied
/// on an isolated host as the non-root login user, service commands through sudo with the password as a secret.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ExosAcceptanceTests : IClassFixture<ExosHostFixture>, IAsyncLifetime
{
    private readonly ExosHostFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("exos-acceptance");

    public ExosAcceptanceTests(ExosHostFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Report(output);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Exos_packages_deploy_as_a_sudo_user_with_each_error_handling_and_crash_detection()
    {
        _fixture.Hosts.RequireIsolation();
        var plc = _fixture.Hosts["plc"];
        var password = plc.Password!;
        await using (var root = plc.CreateHost())
        {
            // An empty dpkg database on the host's private /var/lib.
            (await root.RunScriptAsync("mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates /var/lib/dpkg/triggers && touch /var/lib/dpkg/status /var/lib/dpkg/available")).ThrowOnFailure();
        }

        var home = "/home/" + plc.User;
        await BuildDebAsync("Gauge/Linux/exos-comp-gauge_1.0.0_all.deb", "exos-comp-gauge", "/opt/acme-gauge/bin/gauge", "#!/bin/sh\necho gauge up\nexec sleep 600\n");
        await BuildDebAsync("Meter/Linux/exar-meter-1.0.0.deb", "exar-meter", "/opt/acme-meter/bin/meter", "#!/bin/sh\necho meter up\nexec sleep 600\n");
        Write("Gauge/Linux/build.sh", "dpkg-deb --build pkg exos-comp-gauge_1.0.0_all.deb\n");
        Write("Gauge/Linux/gauge.sh", "exec /opt/acme-gauge/bin/gauge\n");
        Write("Gauge/Config\\Site\\gauge.conf".Replace('\\', '/'), "site=a\n");
        Write("Gauge/Linux/gauge.conf", "site=default\n");
        var gauge = Write("Gauge/Gauge.exospkg", """
            <?xml version="1.0" encoding="utf-8"?>
            <ComponentPackage Version="2.0.0" ErrorHandling="Component" StartupTimeout="0">
                <File FileName="Linux\exos-comp-gauge_1.0.0_all.deb" ChangeEvent="Reinstall"/>
                <File FileName="Linux\gauge.sh" ChangeEvent="Restart"/>
                <File FileName="Linux\gauge.conf"/>
                <File FileName="Config\Site\gauge.conf"/>
                <Service Type="Install" Command="dpkg -i exos-comp-gauge_1.0.0_all.deb"/>
                <Service Type="Remove" Command="dpkg --purge exos-comp-gauge"/>
                <Service Type="Startup" Command="mkdir -p /opt/gauge-run &amp;&amp; cp gauge.sh /opt/gauge-run/"/>
                <Service Type="Runtime" Command="sh gauge.sh" WorkingDirectory="/opt/gauge-run"/>
                <DatamodelInstance Name="Gauge_0"/>
                <Build>
                    <BuildCommand Command="C:\Windows\Sysnative\wsl.exe" WorkingDirectory="Linux" Arguments="-d Debian -e sh build.sh">
                        <Dependency FileName="Linux\build.sh"/>
                        <Dependency FileName="Linux\gauge.sh"/>
                        <Dependency FileName="Linux\gauge.conf"/>
                        <Dependency FileName="Config\Site\gauge.conf"/>
                    </BuildCommand>
                </Build>
            </ComponentPackage>
            """);
        var meter = Write("Meter/Meter.exospkg", """
            <?xml version="1.0" encoding="utf-8"?>
            <ComponentPackage Version="1.0.0" ErrorHandling="Break" StartupTimeout="0">
                <File Name="exar-meter" FileName="Linux\exar-meter-1.0.0.deb" Type="Project"/>
                <Service Name="Meter Runtime Service" Executable="/opt/acme-meter/bin/meter" Arguments=""/>
            </ComponentPackage>
            """);
        var broken = Write("Broken/Broken.exospkg", """
            <ComponentPackage Version="2.0.0" ErrorHandling="Component" StartupTimeout="0">
                <File FileName="Linux\broken.txt"/>
                <Service Type="Install" Command="dpkg -i exos-comp-broken_1.0.0_all.deb"/>
                <Service Type="Runtime" Command="sleep 600"/>
            </ComponentPackage>
            """);
        var crashy = Write("Crashy/Crashy.exospkg", """
            <ComponentPackage Version="2.0.0" ErrorHandling="Ignore" StartupTimeout="0">
                <File FileName="Linux\crashy.conf" ChangeEvent="Restart"/>
                <Service Type="Runtime" Command="./crashy-server --port 4840"/>
            </ComponentPackage>
            """);
        var empty = Write("Empty/Empty.exospkg", "");
        Write("Broken/Linux/broken.txt", "the .deb this component installs was never built\n");
        Write("Crashy/Linux/crashy.conf", "port=4840\n");
        TargetDefinition Target(ErrorHandling? brokenHandling = null) => TargetBuilder.Create("plc")
            .WithStateDirectory(home + "/.deploy-sequence/plc")
            .AddComponent(Load(gauge))
            .AddComponent(Load(meter))
            .AddComponent(brokenHandling is { } b ? Load(broken) with { ErrorHandling = b } : Load(broken))
            .AddComponent(Load(crashy))
            .AddComponent(Load(empty))
            .Build();
        Component Load(string pkg) => ExosPackage.Load(pkg, new ExosImportOptions { TargetDirectory = $"{home}/{Path.GetFileNameWithoutExtension(pkg).ToLowerInvariant()}" });

        await using var user = plc.CreateUserHost();
        var supervisor = new ProcessSupervisor(user, home + "/.deploy-sequence/plc") { Sudo = SudoOptions.WithPassword(password) };
        var target = Target();
        var applier = SequenceApplier.ForHost(user, target, services: supervisor);
        var plan = await applier.PlanAsync(await DesiredTarget.ScanAsync(target));
        _output.WriteLine(plan.ToText());
        plan.Decisions.Select(d => (d.Component, d.Action)).Should().Equal(
            ("Gauge", ComponentAction.Install), ("Meter", ComponentAction.Install), ("Broken", ComponentAction.Install), ("Crashy", ComponentAction.Install), ("Empty", ComponentAction.Install));

        var result = await applier.ApplyAsync(target);
        foreach (var f in result.Failures)
        {
            _output.WriteLine($"{f.Service} ({f.ErrorHandling}): {f.Message}");
        }

        result.FailedComponents.Should().Equal("Broken");
        result.Failures.Should().Contain(f => f.Component == "Crashy" && f.Crashed && f.ExitCode == 127 && f.ErrorHandling == ErrorHandling.Continue);
        result.Failures.Should().OnlyContain(f => !f.Message.Contains(password, StringComparison.Ordinal));
        (await Run(user, "dpkg-query", "-W", "-f", "${Status}", "exos-comp-gauge")).Should().Be("install ok installed", "dpkg -i ran as root through sudo");
        (await Run(user, "dpkg-query", "-W", "-f", "${Status}", "exar-meter")).Should().Be("install ok installed");
        (await Run(user, "stat", "-c", "%U", "/opt/gauge-run/gauge.sh")).Should().Be("root", "the absolute startup command ran as root");
        (await Run(user, "cat", $"{home}/gauge/Config/Site/gauge.conf")).Should().Be("site=a", "colliding names keep their folders");
        (await supervisor.IsRunningAsync(new ServiceRef("Gauge", new Service(ServiceKind.Runtime, "x"), 0))).Should().BeTrue();
        (await supervisor.IsRunningAsync(new ServiceRef("Meter", new Service(ServiceKind.Runtime, "x"), 0))).Should().BeTrue();
        (await supervisor.IsRunningAsync(new ServiceRef("Broken", new Service(ServiceKind.Runtime, "x"), 0))).Should().BeFalse("Broken's install failed: its runtime was skipped");

        var next = await applier.PlanAsync(await DesiredTarget.ScanAsync(target));
        _output.WriteLine(next.ToText());
        next.Pending.Should().Contain("Broken").And.Contain("Crashy");
        next.Decisions.Where(d => d.Action != ComponentAction.None).Select(d => d.Component).Should().BeEquivalentTo(["Broken", "Crashy"]);
        next.FilesToTransfer.Should().Be(0);

        // ErrorHandling=Target: the same failing install aborts the apply.
        var strict = Target(ErrorHandling.Stop);
        var act = () => SequenceApplier.ForHost(user, strict, services: supervisor).ApplyAsync(strict);
        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.ServiceFailed);
        e.Message.Should().Contain("exos-comp-broken").And.NotContain(password);
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task BuildDebAsync(string relativeDeb, string package, string program, string script)
    {
        var root = Path.Combine(_dir.Path, "debroot-" + package);
        Write(Path.Combine(Path.GetRelativePath(_dir.Path, root), "DEBIAN", "control"), $"Package: {package}\nVersion: 1.0.0\nArchitecture: all\nMaintainer: Deploy SDK tests <tests@example.invalid>\nDescription: exOS test component {package}\n");
        var bin = Write(Path.Combine(Path.GetRelativePath(_dir.Path, root), program.TrimStart('/')), script);
        File.SetUnixFileMode(bin, (UnixFileMode)0b111_101_101);
        var deb = Path.Combine(_dir.Path, relativeDeb);
        Directory.CreateDirectory(Path.GetDirectoryName(deb)!);
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dpkg-deb", ["--build", "--root-owner-group", root, deb]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0, stderr);
    }

    private static async Task<string> Run(IHost host, params string[] argv)
        => (await host.RunAsync(CommandSpec.Of(argv))).ThrowOnFailure().StandardOutput.Trim();
}
