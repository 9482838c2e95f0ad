using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Scheduling;

/// <summary>
/// Makes the default schedule: each service on <see cref="ServicePlacement.Replicas"/> of its eligible hosts (every
/// eligible host for <c>replicas: all</c>), choosing the least-loaded hosts (by the CPU and memory of the services
/// already placed, then by count, then inventory order) and never two services that need the same port on one host.
/// Pure and deterministic: identical input gives an identical schedule.
/// </summary>
public static class Scheduler
{
    /// <summary>Schedules every service of <paramref name="product"/> (add-ons included) on <paramref name="inventory"/>'s hosts.
    /// The implicit <c>local</c> host takes part only when the inventory declares no other host.</summary>
    public static Schedule CreateDefault(ProductDefinition product, HostInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(inventory);
        var hosts = inventory.Hosts.Where(h => !h.IsImplicit).ToList();
        if (hosts.Count == 0)
        {
            hosts = [.. inventory.Hosts];
        }

        var load = hosts.ToDictionary(h => h.Name, _ => (Weight: 0d, Count: 0), StringComparer.Ordinal);
        var ports = hosts.ToDictionary(h => h.Name, _ => new HashSet<int>(), StringComparer.Ordinal);
        var result = new List<ScheduledService>();
        var all = ServiceOrder.Select(product, product.Services.Select(s => s.Name).ToList());
        foreach (var service in all.Services)
        {
            var eligible = hosts.Where(h => IsEligible(h, service.Placement, inventory)).ToList();
            if (eligible.Count == 0)
            {
                throw Invalid(service, $"no host of the inventory '{inventory.Source}' matches its placement ({Describe(service.Placement)}).");
            }

            var free = eligible.Where(h => !service.Needs.Ports.Any(ports[h.Name].Contains)).ToList();
            var want = service.Placement.Replicas ?? eligible.Count;
            if (free.Count < want)
            {
                var busy = eligible.Count - free.Count;
                throw Invalid(service, $"it needs {want} host(s) matching its placement ({Describe(service.Placement)}) but {free.Count} qualify" + (busy > 0 ? $" ({busy} already run a service on one of its ports {string.Join(", ", service.Needs.Ports)})." : "."));
            }

            var chosen = free
                .Select((h, i) => (Host: h, Index: i))
                .OrderBy(x => load[x.Host.Name].Weight)
                .ThenBy(x => load[x.Host.Name].Count)
                .ThenBy(x => x.Index)
                .Take(want)
                .OrderBy(x => x.Index)
                .Select(x => x.Host.Name)
                .ToList();
            var weight = service.Needs.Cpu + (service.Needs.MemoryBytes / (double)(1L << 30));
            foreach (var h in chosen)
            {
                load[h] = (load[h].Weight + weight, load[h].Count + 1);
                ports[h].UnionWith(service.Needs.Ports);
            }

            result.Add(new ScheduledService(service.Name, chosen));
        }

        return new Schedule(product.Name, result.OrderBy(s => s.Service, StringComparer.Ordinal).ToList());
    }

    /// <summary>Whether <paramref name="host"/> may run a service with <paramref name="placement"/>: it has one of the
    /// roles (member of the inventory group of that name, or labelled <c>role: that-name</c>) and every label.</summary>
    public static bool IsEligible(InventoryHost host, ServicePlacement placement, HostInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(inventory);
        var roleOk = placement.Roles.Count == 0 || placement.Roles.Any(r =>
            (host.Labels.TryGetValue("role", out var role) && role == r)
            || inventory.Groups.Any(g => g.Name == r && g.Members.Contains(host.Name, StringComparer.Ordinal)));
        return roleOk && placement.Labels.All(l => host.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }

    private static string Describe(ServicePlacement p) =>
        string.Join("; ", new[]
        {
            p.Roles.Count > 0 ? "roles " + string.Join(" or ", p.Roles) : null,
            p.Labels.Count > 0 ? "labels " + string.Join(", ", p.Labels.Select(l => $"{l.Key}={l.Value}")) : null,
            p.Replicas is { } r ? $"replicas {r}" : "replicas all",
        }.Where(s => s is not null));

    private static DeployException Invalid(ServiceDefinition service, string why) =>
        new(DeployErrorCode.ScheduleInvalid, $"Cannot schedule service '{service.Name}': {why}") { Path = service.Name };
}
