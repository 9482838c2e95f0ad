using System.Text.RegularExpressions;
using Deploy.Core.Errors;

namespace Deploy.Core.Inventory;

/// <summary>Evaluates <see cref="HostInventory.Select"/> patterns.</summary>
internal static class HostSelector
{
    public static IReadOnlyList<InventoryHost> Select(HostInventory inventory, string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var terms = pattern.Split(':', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (terms.Length == 0)
        {
            throw Invalid(inventory, pattern, "the host pattern is empty; give a host, a group, 'all' or a label selector such as role=web.");
        }

        var included = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>? intersect = null;
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var anyPlain = false;
        foreach (var raw in terms)
        {
            var op = raw[0] is '&' or '!' ? raw[0] : ' ';
            var term = op == ' ' ? raw : raw[1..].Trim();
            var hosts = Resolve(inventory, pattern, term);
            switch (op)
            {
                case '&':
                    intersect = intersect is null ? hosts : [.. intersect.Intersect(hosts)];
                    break;
                case '!':
                    excluded.UnionWith(hosts);
                    break;
                default:
                    anyPlain = true;
                    included.UnionWith(hosts);
                    break;
            }
        }

        if (!anyPlain)
        {
            // "!web" alone means "everything but web", as in Ansible.
            included.UnionWith(Declared(inventory).Select(h => h.Name));
        }

        return inventory.Hosts
            .Where(h => included.Contains(h.Name) && (intersect is null || intersect.Contains(h.Name)) && !excluded.Contains(h.Name))
            .ToList();
    }

    private static HashSet<string> Resolve(HostInventory inventory, string pattern, string term)
    {
        if (term.Length == 0)
        {
            throw Invalid(inventory, pattern, "a '&' or '!' needs a host, group or label selector after it.");
        }

        if (term is HostInventory.AllGroupName or "*")
        {
            return [.. Declared(inventory).Select(h => h.Name)];
        }

        if (term.Contains('=', StringComparison.Ordinal))
        {
            var selector = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var part in term.Split(',', StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw Invalid(inventory, pattern, $"'{part}' is not a label selector; write key=value.");
                }

                selector[part[..eq].Trim()] = part[(eq + 1)..].Trim();
            }

            return [.. inventory.Hosts.Where(h => InventoryParser.Matches(h, selector)).Select(h => h.Name)];
        }

        if (inventory.TryGetHost(term, out var host))
        {
            return [host.Name];
        }

        if (inventory.TryGetGroup(term, out var group))
        {
            return [.. group.Members];
        }

        if (term.Contains('*', StringComparison.Ordinal) || term.Contains('?', StringComparison.Ordinal))
        {
            var regex = new Regex("^" + Regex.Escape(term).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
            return [.. Declared(inventory).Where(h => regex.IsMatch(h.Name)).Select(h => h.Name)];
        }

        throw Invalid(inventory, pattern, $"there is no host or group named '{term}'.");
    }

    private static IEnumerable<InventoryHost> Declared(HostInventory inventory) => inventory.Hosts.Where(h => !h.IsImplicit);

    private static DeployException Invalid(HostInventory inventory, string pattern, string message) =>
        new(DeployErrorCode.InvalidArgument, $"Host pattern '{pattern}' in inventory '{inventory.Source}': {message}") { Path = inventory.Source };
}
