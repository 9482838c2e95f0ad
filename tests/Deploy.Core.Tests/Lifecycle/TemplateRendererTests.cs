using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Sequence.Model;
using Semver;

namespace Deploy.Core.Tests.Lifecycle;

public class TemplateRendererTests
{
    private static readonly ProductDefinition Product = new("shop", SemVersion.Parse("1.2.0", SemVersionStyles.Strict))
    {
        Values = new Dictionary<string, object?> { ["base_dir"] = "/opt/shop", ["port"] = 1000L, ["log"] = new Dictionary<string, object?> { ["level"] = "info", ["file"] = "a.log" } },
    };

    private static readonly ServiceDefinition Redis = new("redis", ProductServiceKind.Middleware, SemVersion.Parse("7.0.0", SemVersionStyles.Strict))
    {
        Values = new Dictionary<string, object?> { ["port"] = 6379L, ["enabled"] = false },
    };

    private static RenderContext Context(IReadOnlyDictionary<string, object?>? site = null) => new(Product, Redis, new RenderHost("node-1", "127.0.0.2")
    {
        Hostname = "n1",
        OsRelease = OsRelease.Parse("ID=centos\nVERSION_ID=7\n"),
        Labels = new Dictionary<string, string> { ["zone"] = "a" },
    })
    {
        SiteValues = site ?? ValueTree.Empty,
        Placement = new Dictionary<string, IReadOnlyList<RenderHost>>
        {
            ["redis"] = [new RenderHost("node-1", "127.0.0.2"), new RenderHost("node-2", "127.0.0.3")],
            ["api"] = [new RenderHost("node-3", "127.0.0.4")],
        },
    };

    private static async Task<string> Render(string template, RenderContext? context = null, ISecretStore? secrets = null) =>
        (await TemplateRenderer.RenderAsync(template, "t.conf", context ?? Context(), secrets ?? new InMemorySecretStore())).Text;

    [Fact]
    public async Task Service_values_override_product_defaults()
    {
        (await Render("{{ port }} {{ base_dir }} {{ log.level }}")).Should().Be("6379 /opt/shop info");
    }

    [Fact]
    public async Task Site_values_override_service_values_and_service_section_overrides_top_level()
    {
        var site = SiteValues.Parse("port: 7000\nlog: { level: debug }\nservices:\n  redis: { port: 7001 }\n  api: { port: 9 }\n");
        (await Render("{{ port }} {{ log.level }} {{ log.file }}", Context(site))).Should().Be("7001 debug a.log");
    }

    [Fact]
    public async Task Host_facts_and_placement_are_visible_and_not_overridable_by_values()
    {
        var site = SiteValues.Parse("host: { name: fake }\n");
        var text = await Render("{{ host.name }} {{ host.address }} {{ host.hostname }} {{ host.os.id }}{{ host.os.version_id }} {{ host.labels.zone }} {{ service.name }}@{{ service.version }} {{ product.name }}", Context(site));
        text.Should().Be("node-1 127.0.0.2 n1 centos7 a redis@7.0.0 shop");
        (await Render("{{ for p in peers }}{{ p.address }}:{{ port }} {{ end }}| {{ placement.api[0].name }}")).Should().Be("127.0.0.2:6379 127.0.0.3:6379 | node-3");
    }

    [Fact]
    public async Task Boolean_values_are_booleans()
    {
        (await Render("{{ if enabled }}on{{ else }}off{{ end }}")).Should().Be("off");
    }

    [Fact]
    public async Task Undefined_variable_is_TemplateError_with_file_and_line()
    {
        var act = () => TemplateRenderer.RenderAsync("a\nb\nport={{ prot }}\n", "/pkg/redis/templates/redis.conf", Context(), new InMemorySecretStore());
        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e =>
            e.Code == DeployErrorCode.TemplateError && e.Path == "/pkg/redis/templates/redis.conf:3" && e.Message.StartsWith("/pkg/redis/templates/redis.conf:3:") && e.Message.Contains("prot"));
    }

    [Fact]
    public async Task Undefined_member_is_an_error_too()
    {
        var act = () => Render("{{ log.levle }}");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.TemplateError);
    }

    [Fact]
    public async Task Syntax_error_is_TemplateError_with_line()
    {
        var act = () => TemplateRenderer.RenderAsync("ok\n{{ if }}\n", "x.tpl", Context(), new InMemorySecretStore());
        (await act.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e => e.Code == DeployErrorCode.TemplateError && e.Path == "x.tpl:2");
    }

    [Fact]
    public async Task Secret_is_generated_once_reused_and_reported_but_never_shown()
    {
        var store = new InMemorySecretStore();
        var first = await TemplateRenderer.RenderAsync("pw={{ secret \"mysql_root\" }}\nagain={{ secret \"mysql_root\" }}\nother={{ secret 'x' }}\n", "db.conf", Context(), store);
        var pw = (await store.GetOrCreateAsync("mysql_root")).Should().HaveLength(24).And.Subject;
        first.Text.Should().Be($"pw={pw}\nagain={pw}\nother={await store.GetOrCreateAsync("x")}\n");
        first.Secrets.Should().HaveCount(2).And.Contain(pw);
        first.ContainsSecrets.Should().BeTrue();
        first.ToString().Should().NotContain(pw);
        first.Redact(first.Text).Should().Be("pw=***\nagain=***\nother=***\n");
        store.GeneratedCount.Should().Be(2);

        var second = await TemplateRenderer.RenderAsync("{{ secret \"mysql_root\" }}", "db.conf", Context(), store);
        second.Text.Should().Be(pw);
        store.GeneratedCount.Should().Be(2);
    }

    [Fact]
    public async Task Secret_from_an_existing_store_is_used_as_is()
    {
        var store = new InMemorySecretStore(new Dictionary<string, string> { ["k"] = "given" });
        (await Render("{{ secret \"k\" }}", secrets: store)).Should().Be("given");
    }

    [Fact]
    public async Task Error_after_a_secret_does_not_leak_it()
    {
        var store = new InMemorySecretStore(new Dictionary<string, string> { ["k"] = "TopSecretValue1" });
        var act = () => Render("{{ secret \"k\" }}\n{{ (secret \"k\") + nope }}", secrets: store);
        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().NotContain("TopSecretValue1");
    }

    [Fact]
    public async Task Template_without_secrets_reports_none()
    {
        (await TemplateRenderer.RenderAsync("x", "t", Context(), new InMemorySecretStore())).ContainsSecrets.Should().BeFalse();
    }

    [Fact]
    public async Task Service_renderer_renders_configs_component_commands_file_targets_and_hooks()
    {
        using var dir = new Deploy.Testing.TempDirectory("lifecycle-render");
        dir.WriteFile("templates/redis.conf", "port {{ port }}\nrequirepass {{ secret \"redis_pw\" }}\n");
        var service = Redis with
        {
            Directory = dir.Path,
            Configs = [new ConfigTemplate("templates/redis.conf", "{{ base_dir }}/redis/redis.conf")],
            Component = new Component("redis")
            {
                Files = [new ComponentFile(dir.Combine("templates"), "{{ base_dir }}/redis/tpl")],
                Services = [new Service(ServiceKind.Runtime, "exec redis-server {{ base_dir }}/redis/redis.conf --port {{ port }}") { WorkingDirectory = "{{ base_dir }}/redis" }],
            },
            Hooks = new Dictionary<HookKind, ServiceHook> { [HookKind.Test] = new("redis-cli -p {{ port }} ping", TimeSpan.FromSeconds(10)) },
        };
        var store = new InMemorySecretStore();
        var r = await ServiceRenderer.RenderAsync(Context() with { Service = service }, store);
        r.Configs.Should().ContainSingle().Which.Target.Should().Be("/opt/shop/redis/redis.conf");
        r.Configs[0].Content.Text.Should().StartWith("port 6379\nrequirepass ");
        r.Component.Files[0].TargetPath.Should().Be("/opt/shop/redis/tpl");
        r.Component.Services[0].Command.Should().Be("exec redis-server /opt/shop/redis/redis.conf --port 6379");
        r.Component.Services[0].WorkingDirectory.Should().Be("/opt/shop/redis");
        r.Hooks[HookKind.Test].Command.Should().Be("redis-cli -p 6379 ping");
        r.Secrets.Should().Equal(await store.GetOrCreateAsync("redis_pw"));
        r.ToString().Should().NotContain(r.Secrets[0]);
    }
}
