using Deploy.Core.Errors;
using Deploy.Core.Inventory;

namespace Deploy.Core.Tests.Inventory;

public class HostSelectorTests
{
    private static readonly HostInventory Inv = HostInventory.Parse("""
        hosts:
          web-1: { labels: { role: web, zone: a } }
          web-2: { labels: { role: web, zone: b } }
          web-3: { labels: { role: web, zone: a } }
          db-1:  { labels: { role: db, zone: a } }
          db-2:  { labels: { role: db, zone: b } }
        groups:
          web: { hosts: [web-3, web-1, web-2] }
          db: { selector: { role: db } }
          prod: { children: [web, db] }
        """, "inv.yaml");

    private static IEnumerable<string> Names(string pattern) => Inv.Select(pattern).Select(h => h.Name);

    [Theory]
    [InlineData("all", new[] { "web-1", "web-2", "web-3", "db-1", "db-2" })]
    [InlineData("*", new[] { "web-1", "web-2", "web-3", "db-1", "db-2" })]
    [InlineData("web", new[] { "web-1", "web-2", "web-3" })]
    [InlineData("db-2", new[] { "db-2" })]
    [InlineData("db-2:web-1", new[] { "web-1", "db-2" })]
    [InlineData("web-*", new[] { "web-1", "web-2", "web-3" })]
    [InlineData("*-1", new[] { "web-1", "db-1" })]
    [InlineData("zone=a", new[] { "web-1", "web-3", "db-1" })]
    [InlineData("role=web,zone=a", new[] { "web-1", "web-3" })]
    [InlineData("prod:&zone=b", new[] { "web-2", "db-2" })]
    [InlineData("prod:!web-2", new[] { "web-1", "web-3", "db-1", "db-2" })]
    [InlineData("!db", new[] { "web-1", "web-2", "web-3" })]
    [InlineData("web:db:&zone=a:!web-3", new[] { "web-1", "db-1" })]
    [InlineData("role=cache", new string[0])]
    public void Patterns_select_hosts_in_inventory_order(string pattern, string[] expected)
    {
        Names(pattern).Should().Equal(expected);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("")]
    [InlineData("web:!")]
    [InlineData("=web")]
    public void Unknown_names_and_empty_patterns_are_invalid_arguments(string pattern)
    {
        var act = () => Inv.Select(pattern);
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.InvalidArgument);
    }
}
