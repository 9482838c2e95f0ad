namespace Deploy.Docker.Updates;

/// <summary>What a successful update did.</summary>
/// <param name="Plan">The plan that was applied.</param>
/// <param name="LoadedReferences">What <c>docker load</c> reported.</param>
/// <param name="Containers">The verified containers: service name and container name.</param>
/// <param name="BackupDirectory">Where the original files are kept.</param>
/// <param name="Recovered">The interrupted update rolled back before this one, if any.</param>
/// <param name="TakenOverLock">The note when the deployment's lock was taken over from a stale holder; <c>null</c> when it was free.</param>
public sealed record ImageUpdateResult(
    ImageUpdatePlan Plan,
    IReadOnlyList<string> LoadedReferences,
    IReadOnlyList<VerifiedContainer> Containers,
    string BackupDirectory,
    RecoveryResult? Recovered,
    Deploy.Core.Operations.Locking.LockTakeover? TakenOverLock);
