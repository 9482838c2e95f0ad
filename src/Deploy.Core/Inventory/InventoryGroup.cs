namespace Deploy.Core.Inventory;

/// <summary>
/// A named group of hosts. Members come from three sources, combined: hosts listed by name (<c>hosts:</c>),
/// the members of child groups (<c>children:</c>), and hosts whose labels match every entry of
/// <c>selector:</c>.
/// </summary>
/// <param name="Name">The group name (unique among hosts and groups).</param>
public sealed record InventoryGroup(string Name)
{
    /// <summary>Hosts listed by name, in file order.</summary>
    public IReadOnlyList<string> HostNames { get; init; } = [];

    /// <summary>Child groups whose members belong to this group too, and whose variables override this group's.</summary>
    public IReadOnlyList<string> Children { get; init; } = [];

    /// <summary>Labels a host must all carry to be a member; empty for no label selection.</summary>
    public IReadOnlyDictionary<string, string> Selector { get; init; } = InventoryHost.Empty;

    /// <summary>The group's variables.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = InventoryHost.Empty;

    /// <summary>All member host names (direct, by selector, and through children, transitively), in inventory
    /// host order.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    /// <summary>How deep the group is nested: 0 for a group that is nobody's child, parent depth + 1 otherwise.
    /// Variables of deeper groups win.</summary>
    public int Depth { get; init; }

    /// <summary>The 1-based line of the group's declaration in the inventory file.</summary>
    public int Line { get; init; }
}
