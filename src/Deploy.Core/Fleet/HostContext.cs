using Deploy.Core.Inventory;

namespace Deploy.Core.Fleet;

/// <summary>What an operation knows about the host it runs on within a fleet run.</summary>
/// <param name="Name">The target's name.</param>
/// <param name="Index">The target's 0-based position in the fleet.</param>
/// <param name="Batch">The 0-based rolling batch the host runs in.</param>
/// <param name="BatchCount">How many batches the run has.</param>
public sealed record HostContext(string Name, int Index, int Batch, int BatchCount)
{
    /// <summary>The host's effective variables.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; init; } = new Dictionary<string, string>();

    /// <summary>The host's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The inventory entry, when the fleet came from an inventory.</summary>
    public InventoryHost? InventoryHost { get; init; }
}
