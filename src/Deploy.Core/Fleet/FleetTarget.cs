using Deploy.Core.Hosts;
using Deploy.Core.Inventory;

namespace Deploy.Core.Fleet;

/// <summary>One member of a <see cref="HostFleet"/>: a name, the host, and what the inventory says about it.</summary>
/// <param name="Name">The unique name results and progress use (the inventory name, or <see cref="IHost.Name"/>).</param>
/// <param name="Host">The host the operation runs on.</param>
public sealed record FleetTarget(string Name, IHost Host)
{
    /// <summary>The host's effective variables (see <see cref="HostInventory.ResolveVars(string)"/>).</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>The host's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The inventory entry, when the target came from an inventory.</summary>
    public InventoryHost? InventoryHost { get; init; }
}
