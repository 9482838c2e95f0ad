using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Testing;

namespace Deploy.Core.Tests.Inventory;

public class InventoryParsingTests
{
    private const string Sample = """
        vars:
          app_dir: /opt/app
          log_level: info
          tier: global
        defaults:
          user: deploy
          port: 2222
          identity_file: keys/id_ed25519
          known_hosts_file: /etc/deploy/known_hosts
          connect_timeout: 2.5
        hosts:
          web-1:
            address: 10.0.0.11
            labels: { role: web, zone: a }
          web-2:
            address: 10.0.0.12
            port: 22
            user: admin
            labels: { role: web, zone: b }
            vars: { log_level: debug }
            proxy_jump: admin@bastion:2222
            accept_new_host_keys: yes
            ssh_config: /dev/null
          db-1:
            address: 10.0.0.21
            labels: { role: db, zone: a }
          bare:
          sandbox:
            connection: local
            root: sbx
        groups:
          web:
            hosts: [web-1, web-2]
            vars: { tier: web, http_port: "8080" }
          canary:
            hosts: [web-1]
            vars: { tier: canary }
          prod:
            children: [web]
            hosts: [db-1]
            vars: { tier: prod, env: production }
          zone-a:
            selector: { zone: a }
        """;

    private static HostInventory Load() => HostInventory.Parse(Sample, "inv.yaml", "/srv/inv");

    [Fact]
    public void Hosts_inherit_defaults_and_override_them_field_by_field()
    {
        var inv = Load();
        var web1 = inv.GetHost("web-1");
        web1.Address.Should().Be("10.0.0.11");
        web1.Port.Should().Be(2222);
        web1.User.Should().Be("deploy");
        web1.IdentityFile.Should().Be("/srv/inv/keys/id_ed25519");
        web1.KnownHostsFile.Should().Be("/etc/deploy/known_hosts");
        web1.Connection.Should().Be(HostConnection.Ssh);
        web1.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(2.5));
        web1.ProxyJump.Should().BeNull();
        web1.AcceptNewHostKeys.Should().BeFalse();
        web1.Labels.Should().Equal(new Dictionary<string, string> { ["role"] = "web", ["zone"] = "a" });

        var web2 = inv.GetHost("web-2");
        web2.Port.Should().Be(22);
        web2.User.Should().Be("admin");
        web2.Line.Should().Be(15);
        web2.ProxyJump.Should().Be("admin@bastion:2222");
        web2.AcceptNewHostKeys.Should().BeTrue();
        web2.SshConfigFile.Should().Be("/dev/null");
        web2.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public void A_host_without_fields_is_reached_at_its_name()
    {
        var bare = Load().GetHost("bare");
        bare.Address.Should().Be("bare");
        bare.User.Should().Be("deploy");
    }

    [Fact]
    public void A_local_host_is_rooted_relative_to_the_inventory_file()
    {
        var sandbox = Load().GetHost("sandbox");
        sandbox.Connection.Should().Be(HostConnection.Local);
        sandbox.RootDirectory.Should().Be("/srv/inv/sbx");
    }

    [Fact]
    public void Every_inventory_has_an_implicit_local_host_that_all_does_not_include()
    {
        var inv = Load();
        var local = inv.GetHost("local");
        local.IsImplicit.Should().BeTrue();
        local.Connection.Should().Be(HostConnection.Local);
        inv.Select("all").Select(h => h.Name).Should().Equal("web-1", "web-2", "db-1", "bare", "sandbox");
        inv.Select("local").Select(h => h.Name).Should().Equal("local");
    }

    [Fact]
    public void A_declared_local_host_replaces_the_implicit_one_and_joins_all()
    {
        var inv = HostInventory.Parse("hosts:\n  local:\n    root: /tmp/x\n  a:\n");
        inv.Hosts.Should().HaveCount(2);
        inv.GetHost("local").Connection.Should().Be(HostConnection.Local);
        inv.GetHost("local").IsImplicit.Should().BeFalse();
        inv.Select("all").Select(h => h.Name).Should().Equal("local", "a");
    }

    [Fact]
    public void Group_members_come_from_names_children_and_label_selectors_in_inventory_order()
    {
        var inv = Load();
        inv.TryGetGroup("prod", out var prod).Should().BeTrue();
        prod!.Members.Should().Equal("web-1", "web-2", "db-1");
        inv.TryGetGroup("zone-a", out var zoneA).Should().BeTrue();
        zoneA!.Members.Should().Equal("web-1", "db-1");
        prod.Depth.Should().Be(0);
        inv.Groups.Single(g => g.Name == "web").Depth.Should().Be(1);
    }

    [Fact]
    public void Vars_precedence_is_host_over_child_group_over_parent_group_over_global()
    {
        var inv = Load();
        // web-1: global < prod (depth 0) < web (depth 1) < canary (depth 0 but declared... lower depth than web)
        inv.GroupsOf("web-1").Select(g => g.Name).Should().Equal("canary", "prod", "zone-a", "web");
        var web1 = inv.ResolveVars("web-1");
        web1["tier"].Should().Be("web", "the child group 'web' overrides its parent 'prod' and the shallower 'canary'");
        web1["env"].Should().Be("production");
        web1["http_port"].Should().Be("8080");
        web1["log_level"].Should().Be("info");
        web1["app_dir"].Should().Be("/opt/app");

        inv.ResolveVars("web-2")["log_level"].Should().Be("debug", "host vars win over everything");
        inv.ResolveVars("db-1")["tier"].Should().Be("prod");
        inv.ResolveVars("bare")["tier"].Should().Be("global");
    }

    [Fact]
    public void Among_groups_of_equal_depth_the_one_declared_later_wins()
    {
        var inv = HostInventory.Parse("""
            hosts: { h: }
            groups:
              first: { hosts: [h], vars: { x: first } }
              second: { hosts: [h], vars: { x: second } }
            """);
        inv.ResolveVars("h")["x"].Should().Be("second");
    }

    [Fact]
    public void An_empty_document_is_an_inventory_with_only_local()
    {
        var inv = HostInventory.Parse("# nothing here\n");
        inv.Hosts.Select(h => h.Name).Should().Equal("local");
        inv.Select("all").Should().BeEmpty();
    }

    [Fact]
    public void WithLocalRoot_roots_the_implicit_local_host_only()
    {
        Load().WithLocalRoot("/tmp/sbx").GetHost("local").RootDirectory.Should().Be("/tmp/sbx");
        var declared = HostInventory.Parse("hosts:\n  local: { root: /srv/mine }\n").WithLocalRoot("/tmp/sbx");
        declared.GetHost("local").RootDirectory.Should().Be("/srv/mine");
    }

    [Fact]
    public void LocalOnly_is_the_embedded_default()
    {
        var inv = HostInventory.LocalOnly("/tmp/sbx");
        inv.Select("local").Single().RootDirectory.Should().Be("/tmp/sbx");
    }

    [Fact]
    public async Task LoadAsync_reads_a_file_and_anchors_relative_paths_at_its_directory()
    {
        using var dir = new TempDirectory("inventory");
        var path = dir.WriteFile("conf/inv.yaml", "hosts:\n  a: { identity_file: ../id_key }\n");
        var inv = await HostInventory.LoadAsync(path);
        inv.Source.Should().Be(path);
        inv.GetHost("a").IdentityFile.Should().Be(dir.Combine("id_key"));
    }

    [Fact]
    public async Task The_sample_inventory_parses_and_selects_as_documented()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Deploy.sln")))
        {
            dir = dir.Parent;
        }

        var inv = await HostInventory.LoadAsync(Path.Combine(dir.FullName, "samples", "Deploy.Cli", "fleet-inventory.example.yaml"));
        inv.Select("web").Select(h => h.Name).Should().Equal("sandbox-1", "sandbox-2", "sandbox-3");
        inv.Select("prod:&zone=b").Select(h => h.Name).Should().Equal("sandbox-2", "sandbox-4");
        inv.ResolveVars("sandbox-4").Should().Contain("app_dir", "/srv/db").And.Contain("release", "1.1");
        inv.ResolveVars("sandbox-1").Should().Contain("http_port", "8080").And.Contain("release", "1.1");
    }

    [Fact]
    public async Task LoadAsync_of_a_missing_file_says_so()
    {
        var act = () => HostInventory.LoadAsync("/nonexistent/inv.yaml");
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
    }
}
