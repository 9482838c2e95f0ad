namespace Deploy.Docker.Updates;

/// <summary>What recovering an interrupted update did.</summary>
/// <param name="UpdateId">The interrupted update's ID.</param>
/// <param name="InterruptedAt">The step it had reached.</param>
/// <param name="RestoredFiles">The files restored from the backup.</param>
/// <param name="Services">The services brought back on their previous images.</param>
/// <param name="TakenOverLock">The note when the deployment's lock was taken over from a stale holder (e.g. the
/// killed update); <c>null</c> when it was free.</param>
public sealed record RecoveryResult(string UpdateId, string InterruptedAt, IReadOnlyList<string> RestoredFiles, IReadOnlyList<string> Services, Deploy.Core.Operations.Locking.LockTakeover? TakenOverLock);
