using Deploy.Core.Errors;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Core.Inventory;

namespace Deploy.Core.Tests.Inventory;

/// <summary>The <c>transport:</c> and password-source fields, and the host the factory makes of them.</summary>
public class InventoryTransportTests
{
    private const string Sample = """
        defaults:
          transport: managed
          password_env: DEPLOY_ROOT_PW
        hosts:
          a:
            address: 10.0.0.1
          b:
            address: 10.0.0.2
            transport: openssh
          c:
            address: 10.0.0.3
            password_file: secrets/c.pw
        """;

    [Fact]
    public void Transport_and_password_source_are_inherited_from_defaults_and_overridden_per_host()
    {
        var inv = HostInventory.Parse(Sample, "inv.yaml", "/srv/inv");

        var a = InventoryHostFactory.ToSshHostOptions(inv.Hosts.Single(h => h.Name == "a"));
        var b = InventoryHostFactory.ToSshHostOptions(inv.Hosts.Single(h => h.Name == "b"));

        a.Transport.Should().Be(SshTransport.Managed);
        a.Password!.Source.Should().Be("environment variable DEPLOY_ROOT_PW");
        b.Transport.Should().Be(SshTransport.OpenSsh);
        inv.Hosts.Single(h => h.Name == "c").PasswordFile.Should().Be("/srv/inv/secrets/c.pw");
    }

    [Fact]
    public async Task The_factory_creates_the_host_of_the_named_transport_and_openssh_stays_the_default()
    {
        var inv = HostInventory.Parse(Sample + "\n  d:\n    address: 10.0.0.4\n", "inv.yaml", "/srv/inv");
        var plain = HostInventory.Parse("hosts:\n  e:\n    address: 10.0.0.5\n");
        var factory = new InventoryHostFactory();

        await using var a = factory.Create(inv.Hosts.Single(h => h.Name == "a"));
        await using var b = factory.Create(inv.Hosts.Single(h => h.Name == "b"));
        await using var e = factory.Create(plain.Hosts.Single(h => h.Name == "e"));

        a.Should().BeOfType<ManagedSshHost>();
        b.Should().BeOfType<SshHost>();
        e.Should().BeOfType<SshHost>();
    }

    [Fact]
    public void An_unknown_transport_is_a_typed_error_naming_the_field()
    {
        var act = () => HostInventory.Parse("hosts:\n  a:\n    transport: putty\n", "inv.yaml");

        var e = act.Should().Throw<DeployException>().Which;
        e.Message.Should().Contain("hosts.a.transport").And.Contain("putty");
    }
}
