namespace Deploy.Packaging.Installing;

/// <summary>
/// What an install journals on the target (the payload of its operation journal,
/// <c>&lt;install root&gt;/.deploy/journal.json</c>): enough for a later run to roll it back without the package.
/// </summary>
/// <param name="PackageName">The package being installed.</param>
/// <param name="PackageType">Its type's name.</param>
/// <param name="ReleaseName">The new release folder under <c>releases/</c>.</param>
/// <param name="PreviousRelease">What <c>current</c> pointed to before, or <c>null</c> on a first install.</param>
internal sealed record PackageInstallRecord(string PackageName, string PackageType, string ReleaseName, string? PreviousRelease)
{
    /// <summary>The operation kind recorded in the journal and the lock.</summary>
    public const string Kind = "package-install";

    /// <summary>The journal's path under an install root.</summary>
    public static string JournalPath(string installRoot) => installRoot.TrimEnd('/') + "/.deploy/journal.json";

    /// <summary>The lock's path under an install root.</summary>
    public static string LockPath(string installRoot) => installRoot.TrimEnd('/') + "/.deploy/lock";
}
