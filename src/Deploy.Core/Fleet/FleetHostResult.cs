namespace Deploy.Core.Fleet;

/// <summary>The outcome of a fleet operation on one host.</summary>
/// <typeparam name="T">The operation's result type.</typeparam>
/// <param name="Name">The target's name.</param>
/// <param name="Index">The target's 0-based position in the fleet.</param>
/// <param name="Batch">The 0-based batch the host belonged to.</param>
/// <param name="Status">What happened.</param>
/// <param name="Value">The operation's result when <see cref="Status"/> is <see cref="FleetHostStatus.Succeeded"/>.</param>
/// <param name="Error">The exception when the host failed or was cancelled.</param>
/// <param name="Duration">How long the operation ran on the host (zero when it did not run).</param>
public sealed record FleetHostResult<T>(string Name, int Index, int Batch, FleetHostStatus Status, T? Value, Exception? Error, TimeSpan Duration)
{
    /// <summary>Whether the operation completed on the host.</summary>
    public bool Succeeded => Status == FleetHostStatus.Succeeded;
}
