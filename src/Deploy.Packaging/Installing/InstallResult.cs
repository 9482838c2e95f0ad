using Deploy.Core.Hosts;
using Deploy.Core.Operations.Locking;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Installing;

/// <summary>What an install did.</summary>
/// <param name="Package">The verified package.</param>
/// <param name="InstallRoot">Where it went.</param>
/// <param name="ReleaseName">The new release folder (now <c>current</c>).</param>
/// <param name="PreviousRelease">The release it replaced, if any.</param>
/// <param name="StoppedProcesses">Processes stopped because of force.</param>
/// <param name="Steps">The steps run, in order.</param>
/// <param name="RecoveredJournal">Whether an unfinished earlier install was rolled back first.</param>
/// <param name="TakenOverLock">The note when the install lock was taken over from a stale holder (e.g. a killed
/// install); <c>null</c> when it was free.</param>
public sealed record InstallResult(
    VerifiedPackage Package,
    string InstallRoot,
    string ReleaseName,
    string? PreviousRelease,
    IReadOnlyList<ProcessInfo> StoppedProcesses,
    IReadOnlyList<string> Steps,
    bool RecoveredJournal,
    LockTakeover? TakenOverLock);

/// <summary>What <see cref="PackageInstaller.RecoverAsync"/> did.</summary>
/// <param name="RolledBack">Whether an interrupted install was found and rolled back.</param>
/// <param name="TakenOverLock">The note when the install lock was taken over from a stale holder; <c>null</c> when it was free.</param>
public sealed record InstallRecovery(bool RolledBack, LockTakeover? TakenOverLock);
