using Deploy.Core.Errors;
using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Inventory;
using Deploy.Testing;

namespace Deploy.Core.Tests.Fleet;

public sealed class FleetFromInventoryTests : IDisposable
{
    private readonly TempDirectory _dir = new("fleet-inv");

    public void Dispose() => _dir.Dispose();

    private HostInventory Inventory() => HostInventory.Parse("""
        vars: { greeting: hello }
        hosts:
          app-1: { connection: local, root: roots/app-1, labels: { role: app } }
          app-2: { connection: local, root: roots/app-2, labels: { role: app }, vars: { greeting: 你好 } }
          remote: { address: 10.9.9.9, user: deploy, port: 2200 }
        groups:
          apps: { selector: { role: app }, vars: { port: "8080" } }
        """, "inv.yaml", _dir.Path);

    [Fact]
    public async Task Local_inventory_hosts_become_rooted_LocalHosts_and_operations_see_their_vars()
    {
        await using var fleet = HostFleet.FromInventory(Inventory(), "apps", new InventoryHostFactory());
        fleet.Targets.Select(t => t.Name).Should().Equal("app-1", "app-2");
        var result = await fleet.RunAsync(async (host, ctx, ct) =>
        {
            await host.WriteAllTextAsync("/etc/app.conf", $"{ctx.Vars["greeting"]} {ctx.Vars["port"]} {ctx.Labels["role"]}", cancellationToken: ct);
            return ctx.InventoryHost!.Name;
        });

        result.ThrowOnFailure();
        File.ReadAllText(_dir.Combine("roots", "app-1", "etc", "app.conf")).Should().Be("hello 8080 app");
        File.ReadAllText(_dir.Combine("roots", "app-2", "etc", "app.conf")).Should().Be("你好 8080 app");
    }

    [Fact]
    public void The_factory_delegates_ssh_hosts_to_the_configured_transport()
    {
        InventoryHost? seen = null;
        var stand_in = LocalHost.Rooted(_dir.Combine("stand-in"));
        var factory = new InventoryHostFactory(new InventoryHostFactoryOptions { CreateSshHost = h => { seen = h; return stand_in; } });

        factory.Create(Inventory().GetHost("remote")).Should().BeSameAs(stand_in);
        seen!.Address.Should().Be("10.9.9.9");
        seen.Port.Should().Be(2200);
        seen.User.Should().Be("deploy");
    }

    [Fact]
    public async Task By_default_ssh_hosts_become_SshHosts_with_the_inventory_connection_settings()
    {
        var inventory = HostInventory.Parse("""
            defaults: { known_hosts_file: /etc/kh, connect_timeout: 3, ssh_config: /dev/null }
            hosts:
              remote: { address: 10.9.9.9, user: deploy, port: 2200, identity_file: /keys/id, proxy_jump: admin@bastion, accept_new_host_keys: true }
              plain: { address: 10.9.9.10 }
            """);
        var options = InventoryHostFactory.ToSshHostOptions(inventory.GetHost("remote"));
        options.Address.Should().Be("10.9.9.9");
        options.Port.Should().Be(2200);
        options.User.Should().Be("deploy");
        options.IdentityFile.Should().Be("/keys/id");
        options.KnownHostsFile.Should().Be("/etc/kh");
        options.ProxyJump.Should().Be("admin@bastion");
        options.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(3));
        options.ConfigFile.Should().Be("/dev/null");
        options.HostKeyPolicy.Should().Be(HostKeyPolicy.AcceptNew);

        var plain = InventoryHostFactory.ToSshHostOptions(inventory.GetHost("plain"));
        plain.Port.Should().Be(22);
        plain.HostKeyPolicy.Should().Be(HostKeyPolicy.Strict, "host keys are checked unless the inventory says otherwise");

        SshHostOptions? configured = null;
        var factory = new InventoryHostFactory(new InventoryHostFactoryOptions { ConfigureSsh = (h, o) => configured = o with { MaxSessions = 2 } });
        await using var host = factory.Create(inventory.GetHost("remote"));
        host.Should().BeOfType<SshHost>();
        host.Name.Should().Be("deploy@10.9.9.9:2200");
        configured!.MaxSessions.Should().Be(2);
    }

    [Fact]
    public void The_implicit_local_host_is_an_unrooted_LocalHost_named_local()
    {
        var host = new InventoryHostFactory().Create(Inventory().GetHost("local"));
        host.Should().BeOfType<LocalHost>().Which.RootDirectory.Should().BeNull();
        host.Name.Should().Be("local");
    }

    [Fact]
    public void A_pattern_that_matches_nothing_is_an_invalid_argument()
    {
        var act = () => HostFleet.FromInventory(Inventory(), "role=db", new InventoryHostFactory());
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.InvalidArgument);
    }
}
