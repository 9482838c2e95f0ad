using Deploy.Core.Hosts;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Installing;

/// <summary>Everything a step needs. Paths are target paths on <see cref="Host"/>.</summary>
/// <param name="Host">The target.</param>
/// <param name="InstallRoot">The tool's folder, e.g. <c>/opt/rdb/agent</c>; holds <c>releases/</c>, the
/// <c>current</c> symlink and the journal.</param>
/// <param name="ReleaseName">This install's release folder name under <c>releases/</c>.</param>
/// <param name="PreviousRelease">The release <c>current</c> pointed to before, or <c>null</c> on a first install.</param>
/// <param name="Options">The installer options.</param>
public sealed record InstallContext(IHost Host, string InstallRoot, string ReleaseName, string? PreviousRelease, PackageInstallOptions Options)
{
    /// <summary>The verified, locally extracted package; <c>null</c> while rolling back from a journal.</summary>
    public VerifiedPackage? Package { get; init; }

    /// <summary>Whether the user asked to force (stop running processes).</summary>
    public bool Force { get; init; }

    /// <summary><c>InstallRoot/releases</c>.</summary>
    public string ReleasesDirectory => InstallRoot + "/releases";

    /// <summary>This release's folder.</summary>
    public string ReleaseDirectory => ReleasesDirectory + "/" + ReleaseName;

    /// <summary>The <c>current</c> symlink.</summary>
    public string CurrentLink => InstallRoot + "/current";
}
