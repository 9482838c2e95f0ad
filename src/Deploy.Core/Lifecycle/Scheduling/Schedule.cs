using Deploy.Core.Errors;

namespace Deploy.Core.Lifecycle.Scheduling;

/// <summary>Which hosts run one service.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Hosts">Inventory host names, in the order they were chosen.</param>
public sealed record ScheduledService(string Service, IReadOnlyList<string> Hosts);

/// <summary>
/// Which services run on which hosts: what <c>scheduled.yaml</c> holds (see <see cref="ScheduleYaml"/>). Make a default
/// one with <see cref="Scheduler.CreateDefault"/>.
/// </summary>
/// <param name="Product">The product name.</param>
/// <param name="Services">The services, in name order (ordinal).</param>
public sealed record Schedule(string Product, IReadOnlyList<ScheduledService> Services)
{
    /// <summary>The hosts running <paramref name="service"/>; throws <see cref="DeployErrorCode.ScheduleInvalid"/> when the schedule does not place it.</summary>
    public IReadOnlyList<string> HostsOf(string service) =>
        Services.FirstOrDefault(s => s.Service == service)?.Hosts
        ?? throw new DeployException(DeployErrorCode.ScheduleInvalid, $"The schedule of '{Product}' does not place service '{service}'; add it to scheduled.yaml or run precheck again.") { Path = service };

    /// <summary>The services placed on <paramref name="host"/>, in name order.</summary>
    public IReadOnlyList<string> ServicesOn(string host) => Services.Where(s => s.Hosts.Contains(host, StringComparer.Ordinal)).Select(s => s.Service).ToList();

    /// <summary>Every host that runs at least one service, in the order first used.</summary>
    public IReadOnlyList<string> Hosts => Services.SelectMany(s => s.Hosts).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// What changes from <paramref name="current"/> to this schedule (<c>schedule apply</c>): per service, the hosts to
    /// install it on and the hosts to remove it from. Services whose hosts do not change are left out.
    /// </summary>
    public IReadOnlyList<ScheduleChange> ChangesFrom(Schedule current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var names = Services.Select(s => s.Service).Union(current.Services.Select(s => s.Service), StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var changes = new List<ScheduleChange>();
        foreach (var name in names)
        {
            var now = current.Services.FirstOrDefault(s => s.Service == name)?.Hosts ?? [];
            var next = Services.FirstOrDefault(s => s.Service == name)?.Hosts ?? [];
            var add = next.Except(now, StringComparer.Ordinal).ToList();
            var remove = now.Except(next, StringComparer.Ordinal).ToList();
            if (add.Count > 0 || remove.Count > 0)
            {
                changes.Add(new ScheduleChange(name, add, remove));
            }
        }

        return changes;
    }
}

/// <summary>A service moving between hosts: install on <paramref name="Add"/> and verify, then remove from <paramref name="Remove"/>.</summary>
/// <param name="Service">The service.</param>
/// <param name="Add">Hosts that gain the service.</param>
/// <param name="Remove">Hosts that lose it.</param>
public sealed record ScheduleChange(string Service, IReadOnlyList<string> Add, IReadOnlyList<string> Remove);
