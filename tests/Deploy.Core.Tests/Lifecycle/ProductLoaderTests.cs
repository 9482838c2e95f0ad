using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Sequence.Model;
using Deploy.Testing;

namespace Deploy.Core.Tests.Lifecycle;

public sealed class ProductLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("lifecycle-model");

    public void Dispose() => _dir.Dispose();

    private void Product(string yaml = "name: shop\nversion: 1.2.0\n") => _dir.WriteFile("product.yaml", yaml);

    private void Service(string name, string yaml) => _dir.WriteFile($"{name}/service.yaml", yaml);

    private Task<ProductDefinition> Load() => ProductLoader.LoadAsync(_dir.Path);

    [Fact]
    public async Task Loads_product_and_every_service_field()
    {
        Product("name: shop\nversion: 1.2.0-rc.1\ntarget: hosts\nosRelease: centos,bclinux\nvalues:\n  base_dir: /opt/shop\n  debug: false\n  workers: 4\n  ratio: 0.5\n  quoted: \"true\"\n  list: [a, b]\nmiddleware: [cache]\naddons: [monitor]\n");
        _dir.WriteFile("api/templates/api.conf", "port={{ port }}\n");
        _dir.WriteFile("api/bin/app.py", "print(1)\n");
        _dir.WriteFile("api/k8s/deploy.yaml", "kind: Deployment\n");
        Service("api", """
            kind: app
            version: 2.0.1
            dependsOn: [cache]
            placement: { roles: [app, web], labels: { zone: a }, replicas: 2 }
            values: { port: 8081 }
            configs:
              - { source: templates/api.conf, target: "{{ base_dir }}/api.conf", mode: "0600", changeEvent: Reinstall }
            hooks:
              install: { command: ./init.sh, timeout: 30s }
              test: ./test.sh
              delete: { command: ./stop.sh, timeout: 2m, workingDirectory: /opt/shop/api }
              ready: { command: ./ping.sh, timeout: 20s }
            needs: { cpu: 0.5, memory: 128Mi, disk: { /opt/shop: 1Gi }, ports: [8081, 9090], commands: [python3, sh] }
            component:
              restartEvent: Target
              startupTimeout: 5s
              errorHandling: Continue
              files: [ { source: bin, target: /opt/shop/api/bin, mode: "0755", changeEvent: Ignore } ]
              services:
                - { type: Runtime, command: "exec python3 app.py --port {{ port }}", workingDirectory: /opt/shop/api/bin }
                - { type: install, command: "true" }
            kubernetes: { namespace: shop, manifests: [k8s/deploy.yaml] }
            """);
        Service("cache", "kind: middleware\nversion: 7.0.0\nplacement: { replicas: all }\n");
        Service("monitor", "kind: addon\nversion: 0.1.0\n");

        var p = await Load();

        p.Name.Should().Be("shop");
        p.Version.ToString().Should().Be("1.2.0-rc.1");
        p.OsRelease.Should().Equal("centos", "bclinux");
        p.Values["debug"].Should().Be(false);
        p.Values["workers"].Should().Be(4L);
        p.Values["ratio"].Should().Be(0.5);
        p.Values["quoted"].Should().Be("true");
        p.Values["list"].Should().BeEquivalentTo(new object[] { "a", "b" });
        p.Services.Select(s => s.Name).Should().Equal("api", "cache", "monitor");
        p.AddOns.Select(s => s.Name).Should().Equal("monitor");
        p.Middleware.Select(s => s.Name).Should().Equal("cache");
        var api = p.GetService("api");
        api.Kind.Should().Be(ProductServiceKind.App);
        api.Version.ToString().Should().Be("2.0.1");
        api.DependsOn.Should().Equal("cache");
        api.Placement.Roles.Should().Equal("app", "web");
        api.Placement.Labels.Should().BeEquivalentTo(new[] { KeyValuePair.Create("zone", "a") });
        api.Placement.Replicas.Should().Be(2);
        p.GetService("cache").Placement.Replicas.Should().BeNull();
        api.Configs.Should().ContainSingle().Which.Should().Be(new ConfigTemplate("templates/api.conf", "{{ base_dir }}/api.conf") { Mode = (UnixFileMode)0x180, ChangeEvent = ChangeEvent.Reinstall });
        api.Hooks[HookKind.Install].Should().Be(new ServiceHook("./init.sh", TimeSpan.FromSeconds(30)));
        api.Hooks[HookKind.Test].Should().Be(new ServiceHook("./test.sh", ServiceHook.DefaultTimeout));
        api.Hooks[HookKind.Delete].Timeout.Should().Be(TimeSpan.FromMinutes(2));
        api.Hooks[HookKind.Delete].WorkingDirectory.Should().Be("/opt/shop/api");
        api.Hooks[HookKind.Ready].Should().Be(new ServiceHook("./ping.sh", TimeSpan.FromSeconds(20)));
        api.Needs.Cpu.Should().Be(0.5);
        api.Needs.MemoryBytes.Should().Be(128L << 20);
        api.Needs.Disk.Should().Equal(new DiskNeed("/opt/shop", 1L << 30));
        api.Needs.Ports.Should().Equal(8081, 9090);
        api.Needs.Commands.Should().Equal("python3", "sh");
        api.Component.Name.Should().Be("api");
        api.Component.RestartEvent.Should().Be(RestartEvent.Target);
        api.Component.StartupTimeout.Should().Be(TimeSpan.FromSeconds(5));
        api.Component.ErrorHandling.Should().Be(ErrorHandling.Continue);
        api.Component.Files.Should().ContainSingle().Which.Should().Be(new ComponentFile(_dir.Combine("api", "bin"), "/opt/shop/api/bin") { Mode = (UnixFileMode)0x1ED, ChangeEvent = ChangeEvent.Ignore });
        api.Component.Services.Select(s => s.Kind).Should().Equal(ServiceKind.Runtime, ServiceKind.Install);
        api.Component.Services[0].WorkingDirectory.Should().Be("/opt/shop/api/bin");
        api.Kubernetes!.Namespace.Should().Be("shop");
        api.Kubernetes.Manifests.Should().Equal("k8s/deploy.yaml");
        api.Digest.Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Theory]
    [InlineData("kind: app\nversion: 1.0.0\nplacment: {}\n", 3, "placment", "unknown field")]
    [InlineData("kind: appp\nversion: 1.0.0\n", 1, "kind", "app, middleware, addon")]
    [InlineData("kind: app\nversion: 1.0\n", 2, "version", "SemVer")]
    [InlineData("kind: app\nversion: 1.0.0\nneeds:\n  memory: lots\n", 4, "needs.memory", "not a size")]
    [InlineData("kind: app\nversion: 1.0.0\nneeds:\n  ports: [80, 70000]\n", 4, "needs.ports", "1 to 65535")]
    [InlineData("kind: app\nversion: 1.0.0\nhooks:\n  nstall: x\n", 4, "hooks.nstall", "install, upgrade, test, reset, delete")]
    [InlineData("kind: app\nversion: 1.0.0\nhooks:\n  test: { command: x, timeout: soon }\n", 4, "hooks.test.timeout", "duration")]
    [InlineData("kind: app\nversion: 1.0.0\nconfigs:\n  - { source: missing.conf, target: /etc/x }\n", 4, "configs[0].source", "does not exist")]
    [InlineData("kind: app\nversion: 1.0.0\nconfigs:\n  - { source: ../../etc/passwd, target: /etc/x }\n", 4, "configs[0].source", "inside the service folder")]
    [InlineData("kind: app\nversion: 1.0.0\ncomponent:\n  files: [ { source: service.yaml, target: relative/path } ]\n", 4, "component.files[0].target", "absolute")]
    [InlineData("kind: app\nversion: 1.0.0\ncomponent:\n  services: [ { type: Sometimes, command: x } ]\n", 4, "component.services[0].type", "install, startup, runtime, remove")]
    [InlineData("kind: app\nversion: 1.0.0\nplacement: { replicas: 0 }\n", 3, "placement.replicas", "whole number")]
    [InlineData("kind: app\nversion: 1.0.0\nvalues: { a: [1, 2\n", 4, "values.a", "malformed")]
    public async Task Bad_service_yaml_names_file_line_and_field(string yaml, int line, string? field, string message)
    {
        Product();
        Service("api", yaml);
        var act = Load;
        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().BeOneOf(DeployErrorCode.InvalidConfiguration, DeployErrorCode.LocalPathNotFound);
        e.Message.Should().Contain(_dir.Combine("api", "service.yaml") + $":{line}:").And.Contain(message);
        if (field is not null)
        {
            e.Message.Should().Contain($"field '{field}'");
        }
    }

    [Fact]
    public async Task Missing_dependency_is_DependencyMissing_naming_the_service()
    {
        Product();
        Service("api", "kind: app\nversion: 1.0.0\ndependsOn: [db]\n");
        var act = Load;
        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.DependencyMissing && e.Message.Contains("'api' depends on 'db'"));
    }

    [Fact]
    public async Task Dependency_cycle_is_DependencyCycle_naming_the_services()
    {
        Product();
        Service("a", "kind: app\nversion: 1.0.0\ndependsOn: [b]\n");
        Service("b", "kind: app\nversion: 1.0.0\ndependsOn: [c]\n");
        Service("c", "kind: app\nversion: 1.0.0\ndependsOn: [a]\n");
        var act = Load;
        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.DependencyCycle && e.Message.Contains("a -> b -> c -> a"));
    }

    [Fact]
    public async Task Product_listing_an_addon_that_is_not_an_addon_is_rejected_with_line()
    {
        Product("name: shop\nversion: 1.0.0\naddons: [api]\n");
        Service("api", "kind: app\nversion: 1.0.0\n");
        var act = Load;
        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Contain("product.yaml:3:").And.Contain("kind: app");
    }

    [Fact]
    public async Task Product_listing_an_unknown_middleware_is_UnknownService()
    {
        Product("name: shop\nversion: 1.0.0\nmiddleware: [mysql]\n");
        var act = Load;
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.UnknownService);
    }

    [Fact]
    public async Task Missing_product_yaml_is_LocalPathNotFound()
    {
        var act = Load;
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
    }

    [Fact]
    public async Task Folders_without_service_yaml_are_not_services()
    {
        Product();
        Service("api", "kind: app\nversion: 1.0.0\n");
        _dir.WriteFile("docs/readme.txt", "x");
        (await Load()).Services.Select(s => s.Name).Should().Equal("api");
    }

    [Fact]
    public async Task Digest_is_stable_and_changes_only_with_content_or_mode()
    {
        Product();
        Service("api", "kind: app\nversion: 1.0.0\n");
        _dir.WriteFile("api/a/x.txt", "x");
        _dir.WriteFile("api/b.txt", "b");
        Service("web", "kind: app\nversion: 1.0.0\n");
        var first = await Load();
        File.SetLastWriteTimeUtc(_dir.Combine("api", "b.txt"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        (await Load()).GetService("api").Digest.Should().Be(first.GetService("api").Digest, "file times do not count");

        _dir.WriteFile("api/b.txt", "B");
        var changed = await Load();
        changed.GetService("api").Digest.Should().NotBe(first.GetService("api").Digest);
        changed.GetService("web").Digest.Should().Be(first.GetService("web").Digest);

        File.SetUnixFileMode(_dir.Combine("api", "b.txt"), (UnixFileMode)0x1ED);
        (await Load()).GetService("api").Digest.Should().NotBe(changed.GetService("api").Digest);
    }

    [Fact]
    public async Task Same_content_in_two_places_has_the_same_digest()
    {
        using var other = new TempDirectory("lifecycle-digest");
        foreach (var d in new[] { _dir, other })
        {
            d.WriteFile("z.txt", "z");
            d.WriteFile("a/b/c.txt", "c");
        }

        (await ServiceDigest.ComputeAsync(_dir.Path)).Should().Be(await ServiceDigest.ComputeAsync(other.Path));
    }
}
