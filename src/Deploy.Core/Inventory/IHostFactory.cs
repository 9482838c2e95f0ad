using Deploy.Core.Hosts;

namespace Deploy.Core.Inventory;

/// <summary>Turns an inventory entry into a connected-on-demand <see cref="IHost"/>.</summary>
public interface IHostFactory
{
    /// <summary>Creates the host object for <paramref name="host"/>. The caller owns (and disposes) it.</summary>
    IHost Create(InventoryHost host);
}
