using Deploy.Core.Errors;
using Deploy.Core.Inventory;

namespace Deploy.Core.Tests.Inventory;

public class InventoryErrorTests
{
    private static DeployException Fails(string yaml)
    {
        var act = () => HostInventory.Parse(yaml, "inv.yaml");
        var e = act.Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.InvalidConfiguration);
        e.Message.Should().StartWith("inv.yaml:");
        return e;
    }

    [Fact]
    public void Malformed_yaml_names_the_file_and_line()
    {
        var e = Fails("hosts:\n  a:\n    address: [10.0.0.1\n  b:\n");
        e.Message.Should().MatchRegex(@"^inv\.yaml:3:\d+: field 'hosts.a.address': the YAML is malformed: the text ends inside an unclosed");
        e.Path.Should().Be("inv.yaml#hosts.a.address");
    }

    [Fact]
    public void Unknown_host_in_a_group_names_the_line_and_field()
    {
        var e = Fails("hosts:\n  a:\ngroups:\n  web:\n    hosts:\n      - a\n      - b\n");
        e.Message.Should().StartWith("inv.yaml:7:9: field 'groups.web.hosts': unknown host 'b'");
        e.Path.Should().Be("inv.yaml#groups.web.hosts");
    }

    [Fact]
    public void Duplicate_host_is_rejected_with_its_line()
    {
        var e = Fails("hosts:\n  a:\n    address: 1.1.1.1\n  a:\n    address: 2.2.2.2\n");
        e.Message.Should().Be("inv.yaml:4:3: field 'hosts.a': the YAML is malformed: 'a' is declared twice; each host, group, field and variable is declared once.");
    }

    [Fact]
    public void A_port_that_is_not_a_number_is_a_typed_error()
    {
        var e = Fails("hosts:\n  a:\n    port: twenty-two\n");
        e.Message.Should().Be("inv.yaml:3:11: field 'hosts.a.port': expected a port number from 1 to 65535, found 'twenty-two'.");
    }

    [Theory]
    [InlineData("hosts:\n  a:\n    port: 70000\n", "hosts.a.port", 3)]
    [InlineData("hosts:\n  a:\n    labels: [web]\n", "hosts.a.labels", 3)]
    [InlineData("hosts:\n  a:\n    vars: { x: [1, 2] }\n", "hosts.a.vars.x", 3)]
    [InlineData("hosts:\n  a:\n    adress: 1.2.3.4\n", "hosts.a.adress", 3)]
    [InlineData("hosts:\n  a:\n    connection: telnet\n", "hosts.a.connection", 3)]
    [InlineData("hosts: [a, b]\n", "hosts", 1)]
    [InlineData("hosts:\n  a:\ngroups:\n  g:\n    hosts: a\n", "groups.g.hosts", 5)]
    [InlineData("hosts:\n  a:\ngroups:\n  g:\n    children: [nope]\n", "groups.g.children", 5)]
    [InlineData("hosts:\n  a:\ngroups:\n  a: { hosts: [a] }\n", "groups.a", 4)]
    [InlineData("hosts:\n  a:\ngroups:\n  all: { hosts: [a] }\n", "groups.all", 4)]
    [InlineData("hosts:\n  'bad name':\n", "hosts.bad name", 2)]
    [InlineData("hostz:\n  a:\n", "hostz", 1)]
    [InlineData("defaults:\n  address: 1.2.3.4\n", "defaults.address", 2)]
    [InlineData("hosts:\n  a:\n    root: /tmp/x\n", "hosts.a.root", 3)]
    [InlineData("hosts:\n  a:\n    user: ''\n", "hosts.a.user", 3)]
    [InlineData("hosts:\n  a:\n    connect_timeout: soon\n", "hosts.a.connect_timeout", 3)]
    [InlineData("defaults:\n  accept_new_host_keys: maybe\n", "defaults.accept_new_host_keys", 2)]
    public void Wrong_fields_name_the_line_and_field(string yaml, string field, int line)
    {
        var e = Fails(yaml);
        e.Message.Should().StartWith($"inv.yaml:{line}:").And.Contain($"field '{field}'");
    }

    [Fact]
    public void A_cycle_of_child_groups_is_rejected()
    {
        var e = Fails("hosts: { a: }\ngroups:\n  x: { children: [y] }\n  y: { children: [z] }\n  z: { children: [x] }\n");
        e.Message.Should().Contain("cycle").And.Contain("x -> y -> z -> x");
    }

    [Fact]
    public void Several_documents_are_rejected()
    {
        Fails("hosts: { a: }\n---\nhosts: { b: }\n").Message.Should().StartWith("inv.yaml:3:");
    }
}
