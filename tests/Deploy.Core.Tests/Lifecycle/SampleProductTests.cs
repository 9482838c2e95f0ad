using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Tests.Lifecycle;

public class SampleProductTests
{
    private static string Sample(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "samples", "PrivateDeploy")))
        {
            dir = dir.Parent;
        }

        return Path.Combine([dir!.FullName, "samples", "PrivateDeploy", .. parts]);
    }

    [Fact]
    public async Task Sample_product_loads_schedules_and_renders_every_service_on_every_host()
    {
        var product = await ProductLoader.LoadAsync(Sample("product"));
        product.Services.Where(s => s.Kind == ProductServiceKind.App).Should().HaveCount(5);
        product.Middleware.Select(s => s.Name).Should().BeEquivalentTo("redis", "mariadb");
        product.Services.Should().OnlyContain(s => s.Hooks.ContainsKey(HookKind.Test));
        product.Services.Should().OnlyContain(s => s.Hooks.ContainsKey(HookKind.Ready), "every sample service has a readiness probe, so a start settles as soon as it answers");

        var order = ServiceOrder.Select(product);
        order.Waves[0].Select(s => s.Name).Should().BeEquivalentTo("mariadb", "redis");
        order.Services[^1].Name.Should().Be("gateway");

        var inventory = await HostInventory.LoadAsync(Sample("inventory.yaml"));
        var schedule = Scheduler.CreateDefault(product, inventory);
        schedule.HostsOf("redis").Should().Equal("node-3");
        schedule.HostsOf("mariadb").Should().Equal("node-3");
        schedule.Services.Where(s => s.Service is not ("redis" or "mariadb")).Should().OnlyContain(s => s.Hosts.Single() == "node-1" || s.Hosts.Single() == "node-2");
        ScheduleYaml.Parse(ScheduleYaml.Write(schedule), product, inventory).Should().BeEquivalentTo(schedule);

        var site = await SiteValues.LoadAsync(Sample("values.yaml"));
        var secrets = new InMemorySecretStore();
        RenderHost Host(string name) => new(name, inventory.GetHost(name).Address) { Labels = inventory.GetHost(name).Labels };
        var placement = schedule.Services.ToDictionary(s => s.Service, s => (IReadOnlyList<RenderHost>)s.Hosts.Select(Host).ToList());
        var rendered = new List<RenderedService>();
        foreach (var s in schedule.Services)
        {
            foreach (var h in s.Hosts)
            {
                rendered.Add(await ServiceRenderer.RenderAsync(new RenderContext(product, product.GetService(s.Service), Host(h)) { SiteValues = site, Placement = placement }, secrets));
            }
        }

        rendered.Should().HaveCount(7);
        var redis = rendered.Single(r => r.Service.Name == "redis");
        redis.Component.Services.Single(c => c.Kind == Deploy.Core.Sequence.Model.ServiceKind.Runtime).Command.Should().Be("exec redis-server /opt/private-deploy/redis/redis.conf --port 16379 --dir /var/lib/private-deploy/redis");
        redis.Configs.Single().Content.Text.Should().Contain("bind 127.0.0.4\n").And.Contain("maxmemory 128mb\n");
        redis.Configs.Single().Content.ContainsSecrets.Should().BeTrue();
        var gateway = rendered.Single(r => r.Service.Name == "gateway");
        var conf = gateway.Configs.Single().Content.Text;
        conf.Should().Contain("log_level=debug\n").And.Contain("redis=127.0.0.4:16379 \n").And.Contain("mariadb=127.0.0.4:13306 \n").And.Contain("port=18080\n");
        gateway.Hooks[HookKind.Test].Command.Should().MatchRegex(@"^sh /opt/private-deploy/gateway/app/test.sh 127\.0\.0\.[23] 18080$");
        gateway.Hooks[HookKind.Ready].Should().Be(gateway.Hooks[HookKind.Test], "the app is ready once its /health answers, as its test checks");
        gateway.Component.Files.Single().TargetPath.Should().Be("/opt/private-deploy/gateway/app");
        rendered.Where(r => r.Service.Kind == ProductServiceKind.App).Select(r => r.Secrets.Single()).Distinct().Should().ContainSingle("every app shares the generated mariadb_app secret");
        secrets.Names.Should().BeEquivalentTo("mariadb_app", "redis_password");
    }
}
